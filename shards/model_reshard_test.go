package shards

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// ---- resharding ----

func (h *modelHarness) opSplit() {
	ms, s := h.pickStream()
	open := ms.openSorted()
	var wide []*mShard
	for _, sh := range open {
		if sh.lo.Cmp(sh.hi) < 0 {
			wide = append(wide, sh)
		}
	}
	if h.pick(10) == 0 || len(open) >= modelMaxOpen || len(wide) == 0 {
		h.splitInvalid(ms, s, open)
		return
	}
	sh := wide[h.pick(len(wide))]
	width := sub(sh.hi, sh.lo)
	var key *big.Int
	switch h.pick(6) {
	case 0:
		key = add(sh.lo, bigOne)
	case 1:
		key = sh.hi
	default:
		key = add(add(sh.lo, bigOne), h.randBelow(width))
	}
	h.note("%s at %s", ShardID(sh.index), key)
	if err := s.SplitShard(ShardID(sh.index), key.String()); err != nil {
		h.failf("split %s at %s: %v", ShardID(sh.index), key, err)
	}
	a := &mShard{index: ms.next, lo: sh.lo, hi: sub(key, bigOne), parent: sh.index, adjacent: -1}
	b := &mShard{index: ms.next + 1, lo: key, hi: sh.hi, parent: sh.index, adjacent: -1}
	ms.next += 2
	h.learnReshard(ms, s, []*mShard{sh}, []*mShard{a, b})
	h.stats["splits"]++
}

func (h *modelHarness) splitInvalid(ms *mStream, s *Stream, open []*mShard) {
	sh := open[h.pick(len(open))]
	id, key, want := ShardID(sh.index), sh.lo.String(), error(ErrInvalidArgument) // a split at the start is refused
	mayBeGone := false
	switch h.pick(6) {
	case 0:
		if sh.hi.Cmp(maxKeyBig) < 0 {
			key = add(sh.hi, bigOne).String()
		}
	case 1:
		key = "12x"
	case 2:
		id = "shard-1"
	case 3:
		if c, gone := h.closedShard(ms); c != nil {
			id, key, want, mayBeGone = ShardID(c.index), c.hi.String(), ErrShardClosed, gone
		}
	case 4:
		id, key, want = ShardID(ms.next+h.pick(3)), "1", ErrNotFound
	}
	h.note("invalid %s at %s", id, key)
	err := s.SplitShard(id, key)
	if mayBeGone && errors.Is(err, ErrNotFound) {
		return
	}
	h.wantErr(fmt.Sprintf("split %s at %s", id, key), err, want)
}

// closedShard returns a closed shard of ms, preferring one that retention
// cannot have removed, and whether retention may have removed it: the
// writer's real-time tick forgets an expired closed shard whenever it runs,
// and from then on the shard is not found, as in Kinesis.
func (h *modelHarness) closedShard(ms *mStream) (sh *mShard, mayBeGone bool) {
	for _, c := range ms.shards {
		if c.isOpen() {
			continue
		}
		if !h.expirable(ms, c) {
			return c, false
		}
		if sh == nil {
			sh = c
		}
	}
	return sh, sh != nil
}

func (h *modelHarness) opMerge() {
	ms, s := h.pickStream()
	open := ms.openSorted()
	if len(open) < 2 || h.pick(10) == 0 {
		h.mergeInvalid(ms, s, open)
		return
	}
	i := h.pick(len(open) - 1)
	a, b := open[i], open[i+1]
	if h.pick(2) == 0 {
		a, b = b, a
	}
	h.note("%s+%s", ShardID(a.index), ShardID(b.index))
	if err := s.MergeShards(ShardID(a.index), ShardID(b.index)); err != nil {
		h.failf("merge %s and %s: %v", ShardID(a.index), ShardID(b.index), err)
	}
	lo, hi := a.lo, b.hi
	if b.lo.Cmp(a.lo) < 0 {
		lo, hi = b.lo, a.hi
	}
	c := &mShard{index: ms.next, lo: lo, hi: hi, parent: a.index, adjacent: b.index}
	ms.next++
	h.learnReshard(ms, s, []*mShard{a, b}, []*mShard{c})
	h.stats["merges"]++
}

func (h *modelHarness) mergeInvalid(ms *mStream, s *Stream, open []*mShard) {
	a := open[h.pick(len(open))]
	b, want := a, error(ErrInvalidArgument)
	mayBeGone := false
	switch h.pick(4) {
	case 0: // a shard with itself
	case 1:
		if len(open) >= 3 {
			i := h.pick(len(open) - 2)
			a, b = open[i], open[i+2]
		}
	case 2:
		if c, gone := h.closedShard(ms); c != nil {
			b, want, mayBeGone = c, ErrShardClosed, gone
		}
	case 3:
		b = &mShard{index: ms.next + h.pick(3)}
		want = ErrNotFound
	}
	if h.pick(2) == 0 {
		a, b = b, a
	}
	h.note("invalid %s+%s", ShardID(a.index), ShardID(b.index))
	err := s.MergeShards(ShardID(a.index), ShardID(b.index))
	if mayBeGone && errors.Is(err, ErrNotFound) {
		return
	}
	h.wantErr(fmt.Sprintf("merge %s and %s", ShardID(a.index), ShardID(b.index)), err, want)
}

// learnReshard checks a split or merge against Shards() and takes the
// sequence numbers the store chose into the model.
func (h *modelHarness) learnReshard(ms *mStream, s *Stream, closed, created []*mShard) {
	h.t.Helper()
	got := map[int]ShardInfo{}
	for _, g := range s.Shards() {
		idx, _ := ParseShardID(g.ShardID)
		got[idx] = g
	}
	now := h.nowMs()
	var maxEnd uint64
	for _, p := range closed {
		g, ok := got[p.index]
		if !ok || g.Open() {
			h.failf("%s: parent %s is missing or still open after resharding: %+v", ms.name, ShardID(p.index), g)
		}
		maxEnd = max(maxEnd, h.checkEnd(ms, p, g.EndingSequenceNumber))
		p.endSeq, p.closedAtMs = g.EndingSequenceNumber, now
	}
	for _, c := range created {
		g, ok := got[c.index]
		if !ok {
			h.failf("%s: new shard %s missing from Shards()", ms.name, ShardID(c.index))
		}
		c.startSeq = g.StartingSequenceNumber
		if start := h.seqPos(ms, c.startSeq, c.index, "child's StartingSequenceNumber"); start <= maxEnd {
			h.failf("%s: child %s starts at position %d, not after its parents' end %d", ms.name, ShardID(c.index), start, maxEnd)
		}
		if want := ms.info(c); g != want {
			h.failf("%s: new shard is\n  %+v\nmodel has\n  %+v", ms.name, g, want)
		}
		ms.shards = append(ms.shards, c)
		ms.byIndex[c.index] = c
	}
	h.checkShards(ms, s)
}

// checkEnd checks a closed shard's EndingSequenceNumber: of the shard, at
// or after its start and its last record.
func (h *modelHarness) checkEnd(ms *mStream, p *mShard, end string) uint64 {
	h.t.Helper()
	pos := h.seqPos(ms, end, p.index, "EndingSequenceNumber")
	if start := h.seqPos(ms, p.startSeq, p.index, "model"); pos < start {
		h.failf("%s: %s ends at %d, before its start %d", ms.name, ShardID(p.index), pos, start)
	}
	if k := len(p.recs); k > 0 && pos < p.recs[k-1].pos {
		h.failf("%s: %s ends at %d, before its last record %s", ms.name, ShardID(p.index), pos, p.recs[k-1].seq)
	}
	return pos
}

// opUpdateShardCount checks only the invariants and takes the new shard
// map from Shards().
func (h *modelHarness) opUpdateShardCount() {
	ms, s := h.pickStream()
	open := ms.openSorted()
	cur := len(open)
	lo, hi := (cur+1)/2, min(2*cur, modelMaxOpen)
	target := lo + h.pick(max(hi-lo+1, 1))
	if h.pick(8) == 0 || hi < lo {
		target = []int{0, 2*cur + 1, lo - 1}[h.pick(3)]
		h.note("invalid target %d of %d", target, cur)
		if target < lo || target > 2*cur {
			h.wantErr(fmt.Sprintf("UpdateShardCount(%d) with %d open", target, cur), s.UpdateShardCount(target), ErrInvalidArgument)
			return
		}
	}
	h.note("%d → %d", cur, target)
	if err := s.UpdateShardCount(target); err != nil {
		h.failf("UpdateShardCount(%d) with %d open: %v", target, cur, err)
	}
	wasOpen := map[int]bool{}
	for _, sh := range open {
		wasOpen[sh.index] = true
	}
	all := s.Shards()
	got := map[int]ShardInfo{}
	var fresh []ShardInfo
	openNow := 0
	for _, g := range all {
		idx, _ := ParseShardID(g.ShardID)
		got[idx] = g
		if idx >= ms.next {
			if idx != ms.next+len(fresh) {
				h.failf("UpdateShardCount: new shard %s, expected index %d", g.ShardID, ms.next+len(fresh))
			}
			fresh = append(fresh, g)
		}
		if g.Open() {
			openNow++
		}
	}
	if openNow != target {
		h.failf("UpdateShardCount(%d): %d shards open", target, openNow)
	}
	now := h.nowMs()
	// The previously open shards that closed.
	closedNow := map[int]bool{}
	for _, sh := range open {
		g := got[sh.index]
		if g.ShardID == "" {
			h.failf("UpdateShardCount: open shard %s vanished", ShardID(sh.index))
		}
		if !g.Open() {
			h.checkEnd(ms, sh, g.EndingSequenceNumber)
			sh.endSeq, sh.closedAtMs = g.EndingSequenceNumber, now
			closedNow[sh.index] = true
		}
	}
	// The new shards: every parent existed (open before, or new itself) and
	// is closed now; children start after their parents end.
	var made []*mShard
	for _, g := range fresh {
		idx, _ := ParseShardID(g.ShardID)
		c := &mShard{index: idx, lo: keyBig(g.HashKeyRange.Start), hi: keyBig(g.HashKeyRange.End),
			parent: -1, adjacent: -1, startSeq: g.StartingSequenceNumber, endSeq: g.EndingSequenceNumber}
		start := h.seqPos(ms, c.startSeq, idx, "new shard's StartingSequenceNumber")
		for _, pid := range []string{g.ParentShardID, g.AdjacentParentShardID} {
			if pid == "" {
				continue
			}
			p, _ := ParseShardID(pid)
			pg, ok := got[p]
			if !ok || pg.Open() || (p < ms.next && !wasOpen[p]) || p >= idx {
				h.failf("UpdateShardCount: %s has parent %s, which was not an open shard closed by this call (%+v)", g.ShardID, pid, pg)
			}
			if e := h.seqPos(ms, pg.EndingSequenceNumber, p, "parent's EndingSequenceNumber"); start <= e {
				h.failf("UpdateShardCount: %s starts at %d, not after its parent %s's end %d", g.ShardID, start, pid, e)
			}
			if c.parent < 0 {
				c.parent = p
			} else {
				c.adjacent = p
			}
		}
		if c.parent < 0 {
			h.failf("UpdateShardCount: new shard %s has no parent", g.ShardID)
		}
		if !c.isOpen() {
			c.closedAtMs = now
			h.checkEnd(ms, c, c.endSeq)
			closedNow[idx] = true
		}
		made = append(made, c)
	}
	byIdx := map[int]*mShard{}
	for _, sh := range ms.shards {
		byIdx[sh.index] = sh
	}
	for _, c := range made {
		byIdx[c.index] = c
	}
	// Splits partition their parent; merges join two adjacent parents.
	for p := range closedNow {
		var splitKids []*mShard
		kids := 0
		for _, c := range made {
			if c.parent == p && c.adjacent < 0 {
				splitKids = append(splitKids, c)
			}
			if c.parent == p || c.adjacent == p {
				kids++
			}
		}
		if kids == 0 {
			h.failf("UpdateShardCount: %s closed without children", ShardID(p))
		}
		if len(splitKids) > 0 {
			ps := byIdx[p]
			sort.Slice(splitKids, func(i, j int) bool { return splitKids[i].lo.Cmp(splitKids[j].lo) < 0 })
			if len(splitKids) != 2 || kids != 2 || splitKids[0].lo.Cmp(ps.lo) != 0 || splitKids[1].hi.Cmp(ps.hi) != 0 ||
				add(splitKids[0].hi, bigOne).Cmp(splitKids[1].lo) != 0 {
				h.failf("UpdateShardCount: the split children of %s do not partition it", ShardID(p))
			}
		}
	}
	for _, c := range made {
		if c.adjacent >= 0 {
			a, b := byIdx[c.parent], byIdx[c.adjacent]
			lo, hi := a, b
			if b.lo.Cmp(a.lo) < 0 {
				lo, hi = b, a
			}
			if add(lo.hi, bigOne).Cmp(hi.lo) != 0 || c.lo.Cmp(lo.lo) != 0 || c.hi.Cmp(hi.hi) != 0 {
				h.failf("UpdateShardCount: merge child %s is not the union of adjacent %s and %s", ShardID(c.index), ShardID(c.parent), ShardID(c.adjacent))
			}
		}
		ms.shards = append(ms.shards, c)
		ms.byIndex[c.index] = c
	}
	ms.next += len(fresh)
	h.note("(+%d shards)", len(fresh))
	h.checkShards(ms, s)
	h.stats["shard count updates"]++
}
