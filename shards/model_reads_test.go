package shards

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ---- reads ----

func (h *modelHarness) randLimit() int {
	switch h.pick(10) {
	case 0:
		return 1
	case 1:
		return MaxRecordsPerRead
	case 2:
		return 2 + h.pick(3)
	default:
		return 1 + h.pick(25)
	}
}

// randTimestamp picks an AT_TIMESTAMP time near the shard's records, before
// everything, at now, or in the future.
func (h *modelHarness) randTimestamp(sh *mShard) int64 {
	switch h.pick(6) {
	case 0, 1, 2:
		if len(sh.recs) > 0 {
			return sh.recs[h.pick(len(sh.recs))].arrivalMs + int64(h.pick(3)) - 1
		}
		return h.nowMs() - int64(h.pick(600_000))
	case 3:
		return h.nowMs() - 48*3600*1000
	case 4:
		return h.nowMs()
	default:
		return h.nowMs() + 1 + int64(h.pick(120_000))
	}
}

// anotherSeq returns a sequence number of a shard other than sh, if any.
func (h *modelHarness) anotherSeq(ms *mStream, sh *mShard) string {
	var others []*mShard
	for _, o := range ms.shards {
		if o != sh {
			others = append(others, o)
		}
	}
	if len(others) == 0 {
		return ""
	}
	o := others[h.pick(len(others))]
	if len(o.recs) > 0 {
		return o.recs[h.pick(len(o.recs))].seq
	}
	return o.startSeq
}

func (h *modelHarness) opRead() {
	ms, s := h.pickStream()
	// A shard retention removed, or one that never existed: ErrNotFound.
	if r := h.pick(100); r < 6 {
		idx := ms.next + h.pick(3)
		if r < 3 && len(ms.gone) > 0 {
			for i := range ms.gone {
				idx = i
				break
			}
		}
		h.note("%s(missing)", ShardID(idx))
		_, err := s.Iterator(ShardID(idx), TrimHorizon, "", time.Time{})
		h.wantErr("iterator of a missing shard", err, ErrNotFound)
		_, err = s.Read(Cursor{StreamID: ms.id, Shard: idx, Pos: 0}, 10)
		h.wantErr("read of a missing shard", err, ErrNotFound)
		return
	}
	sh := h.pickShard(ms)
	cur := &mCursor{stream: ms.name, id: ms.id, shard: sh.index, minMs: math.MinInt64}
	var typ IteratorType
	var seq string
	var ts time.Time
	var want error
	switch h.pick(12) {
	case 0, 1, 2:
		typ = TrimHorizon
	case 3, 4:
		typ, cur.idx = Latest, len(sh.recs)
	case 5, 6, 7, 8:
		typ = []IteratorType{AtSequenceNumber, AfterSequenceNumber}[h.pick(2)]
		switch {
		case len(sh.recs) > 0 && h.pick(5) > 0:
			seq = sh.recs[h.pick(len(sh.recs))].seq
		case !sh.isOpen() && h.pick(2) == 0:
			seq = sh.endSeq
		default:
			seq = sh.startSeq
		}
		pos := h.seqPos(ms, seq, sh.index, "model")
		cur.idx = sh.countBefore(pos, typ == AfterSequenceNumber)
		cur.minPos = pos
		if typ == AfterSequenceNumber {
			cur.minPos++
		}
	case 9, 10:
		typ = AtTimestamp
		cur.minMs = h.randTimestamp(sh)
		ts = time.UnixMilli(cur.minMs)
	default: // invalid requests
		typ, want = AtSequenceNumber, ErrInvalidArgument
		switch h.pick(4) {
		case 0:
			if seq = h.anotherSeq(ms, sh); seq == "" {
				seq = "49123"
			}
		case 1:
			seq = "49123"
		case 2:
			typ = "NOPE"
		case 3:
			typ = AtTimestamp
		}
	}
	h.note("%s %s seq=%s ts=%d", ShardID(sh.index), typ, seq, ts.UnixMilli())
	c, err := s.Iterator(ShardID(sh.index), typ, seq, ts)
	if want != nil {
		// The writer's once-a-second maintenance, on the real clock, may
		// have forgotten an expired closed shard first.
		if errors.Is(err, ErrNotFound) && h.expirable(ms, sh) {
			return
		}
		h.wantErr("invalid iterator", err, want)
		return
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) && h.expirable(ms, sh) {
			return
		}
		h.failf("iterator %s %s: %v", ShardID(sh.index), typ, err)
	}
	if c.StreamID != ms.id || c.Shard != sh.index || c.ShardID() != ShardID(sh.index) {
		h.failf("iterator %s returned cursor %+v", ShardID(sh.index), c)
	}
	cur.c = c
	if h.readPages(ms, s, cur, 1+h.pick(4), false) && h.pick(2) == 0 {
		h.saveCursor(cur)
	}
}

func (h *modelHarness) saveCursor(cur *mCursor) {
	if len(h.cursors) < 12 {
		h.cursors = append(h.cursors, cur)
	} else {
		h.cursors[h.pick(len(h.cursors))] = cur
	}
}

// readPages reads up to pages pages from cur (until the end if all) and
// checks each against the model. It advances cur and reports whether it is
// still worth keeping.
func (h *modelHarness) readPages(ms *mStream, s *Stream, cur *mCursor, pages int, all bool) bool {
	h.t.Helper()
	for p := 0; p < pages; p++ {
		sh := ms.byIndex[cur.shard]
		if sh == nil {
			_, err := s.Read(cur.c, 10)
			h.wantErr("read of a shard retention removed", err, ErrNotFound)
			return false
		}
		if !all && h.pick(40) == 0 {
			bad := []int{0, -1, MaxRecordsPerRead + 1}[h.pick(3)]
			_, err := s.Read(cur.c, bad)
			h.wantErr(fmt.Sprintf("read with limit %d", bad), err, ErrInvalidArgument)
		}
		limit := MaxRecordsPerRead
		if !all {
			limit = h.randLimit()
		}
		res, err := s.Read(cur.c, limit)
		if err != nil {
			if errors.Is(err, ErrNotFound) && h.expirable(ms, sh) {
				return false
			}
			h.failf("read %s at %+v: %v", ShardID(sh.index), cur.c, err)
		}
		// The model's answer: records[idx:] from the cursor's sequence
		// number and timestamp on, that arrived at or after now-retention.
		want := cur.visible(sh, h.cutoff(ms))
		n := min(limit, len(want))
		what := fmt.Sprintf("read %s (model cursor idx=%d minPos=%d minMs=%d, limit %d, cutoff %d ms)", ShardID(sh.index), cur.idx, cur.minPos, cur.minMs, limit, h.cutoff(ms))
		if len(res.Records) != n {
			h.failf("%s: got %d records, model has %d (%d after the cursor)%s%s", what, len(res.Records), n, len(want),
				h.describeRecs(res.Records, sh, want), h.dump(s, cur.c, limit))
		}
		for k, g := range res.Records {
			w := sh.recs[want[k]]
			if g.PartitionKey != w.key || !bytes.Equal(g.Data, w.data) || g.SequenceNumber() != w.seq ||
				!g.ArrivalTime.Equal(time.UnixMilli(w.arrivalMs)) {
				h.failf("%s: record %d is {key %.20q, %d bytes, seq %s, arrived %d}, model has {key %.20q, %d bytes, seq %s, arrived %d}%s%s",
					what, k, g.PartitionKey, len(g.Data), g.SequenceNumber(), g.ArrivalTime.UnixMilli(),
					w.key, len(w.data), w.seq, w.arrivalMs, h.describeRecs(res.Records, sh, want), h.dump(s, cur.c, limit))
			}
		}
		if res.Next.StreamID != ms.id || res.Next.Shard != sh.index {
			h.failf("%s: next cursor %+v is not of this shard", what, res.Next)
		}
		if res.MillisBehindLatest < 0 {
			h.failf("%s: MillisBehindLatest %d", what, res.MillisBehindLatest)
		}
		closed := !sh.isOpen() && len(want) <= limit
		if res.Closed != closed {
			if closed && len(sh.recs) == 0 && len(res.Records) == 0 {
				h.known("closed-empty-shard", "%s: the shard is closed (EndingSequenceNumber %s) and never held a record, yet Read returns Closed=false with Next.Pos %d: a reader never reaches the end or learns its ChildShards",
					what, sh.endSeq, res.Next.Pos)
				return false
			}
			h.failf("%s: Closed=%v, model says %v (shard open=%v, %d records left, Next.Pos %d)", what, res.Closed, closed, sh.isOpen(), len(want), res.Next.Pos)
		}
		if res.Closed {
			kids := ms.children(sh.index)
			if len(res.ChildShards) != len(kids) {
				h.failf("%s: ChildShards %+v, model has %+v", what, res.ChildShards, kids)
			}
			for i := range kids {
				if res.ChildShards[i] != kids[i] {
					h.failf("%s: ChildShards[%d] is %+v, model has %+v", what, i, res.ChildShards[i], kids[i])
				}
			}
		} else if len(res.ChildShards) > 0 {
			h.failf("%s: ChildShards %+v on a read that is not at the end of a closed shard", what, res.ChildShards)
		}
		if n > 0 {
			cur.idx = want[n-1] + 1
		} else {
			cur.idx = len(sh.recs)
		}
		cur.c = res.Next
		h.stats["read records"] += n
		if res.Closed {
			// At the end it stays at the end.
			again, err := s.Read(res.Next, 1+h.pick(5))
			if err != nil || len(again.Records) != 0 || !again.Closed {
				h.failf("%s: reading again after Closed gave %d records, Closed=%v, err %v", what, len(again.Records), again.Closed, err)
			}
			return false
		}
		if all && n == 0 {
			return true
		}
	}
	return true
}

// dump describes the engine's state behind a failed read, for the report:
// the same read again, the segments and the shard's positions.
func (h *modelHarness) dump(s *Stream, c Cursor, limit int) string {
	var b strings.Builder
	again, err := s.Read(c, limit)
	fmt.Fprintf(&b, "\n  the same read again: err %v, records:", err)
	for _, r := range again.Records[:min(len(again.Records), 8)] {
		fmt.Fprintf(&b, " %s@%d", r.SequenceNumber()[2:22], r.ArrivalTime.UnixMilli())
	}
	s.do(func() error {
		s.mu.RLock()
		defer s.mu.RUnlock()
		fmt.Fprintf(&b, "\n  cursor pos %d, horizon pos %d, FloorMs %d", c.Pos, s.horizon(), s.meta.FloorMs)
		if sh := s.shards[c.Shard]; sh != nil {
			fmt.Fprintf(&b, "\n  shard %d: startPos %d endPos %d last %d next %d", c.Shard, sh.startPos, sh.endPos.Load(), sh.last.Load(), sh.next)
		}
		for _, g := range s.segs {
			fmt.Fprintf(&b, "\n  segment %x: firstMs %d lastMs %d open %v", g.id, g.firstMs.Load(), g.lastMs.Load(), g.db != nil)
			db, err := g.handle()
			if err != nil {
				fmt.Fprintf(&b, " (%v)", err)
				continue
			}
			db.View(func(tx *bolt.Tx) error {
				bk := tx.Bucket(shardBucket(c.Shard))
				if bk == nil {
					return nil
				}
				return bk.ForEach(func(k, v []byte) error {
					hd, err := parseChunkHeader(v)
					fmt.Fprintf(&b, "\n    chunk key %d: first %d last %d count %d err %v", binary.BigEndian.Uint64(k), hd.first, hd.last, hd.count, err)
					return nil
				})
			})
		}
		return nil
	})
	return b.String()
}

func (h *modelHarness) describeRecs(got []Record, sh *mShard, want []int) string {
	var b strings.Builder
	b.WriteString("\n  got:")
	for _, r := range got[:min(len(got), 8)] {
		fmt.Fprintf(&b, " %s@%d", r.SequenceNumber()[2:22], r.ArrivalTime.UnixMilli())
	}
	b.WriteString("\n  model:")
	for _, i := range want[:min(len(want), 8)] {
		fmt.Fprintf(&b, " %s@%d", sh.recs[i].seq[2:22], sh.recs[i].arrivalMs)
	}
	fmt.Fprintf(&b, "\n  all %d model records of the shard:", len(sh.recs))
	for _, r := range sh.recs[max(0, len(sh.recs)-8):] {
		fmt.Fprintf(&b, " %s@%d", r.seq[2:22], r.arrivalMs)
	}
	return b.String()
}

// opContinue continues a saved cursor: cursors are plain data and must stay
// valid across puts, resharding, retention and a restart, but not across a
// delete and re-create of the stream.
func (h *modelHarness) opContinue() {
	if len(h.cursors) == 0 {
		h.opRead()
		return
	}
	i := h.pick(len(h.cursors))
	cur := h.cursors[i]
	ms, s := h.streams[cur.stream], h.handles[cur.stream]
	h.note("%s %s idx=%d", cur.stream, ShardID(cur.shard), cur.idx)
	drop := func() { h.cursors = append(h.cursors[:i], h.cursors[i+1:]...) }
	if cur.id != ms.id {
		_, err := s.Read(cur.c, 10)
		h.wantErr("read with a cursor of a deleted incarnation", err, ErrInvalidArgument)
		drop()
		return
	}
	if sh := ms.byIndex[cur.shard]; sh != nil && h.pick(4) == 0 {
		h.checkWait(ms, s, cur, sh)
	}
	if !h.readPages(ms, s, cur, 1+h.pick(3), false) {
		drop()
	}
}

// checkWait: Wait returns at once when there is a record to read or the
// shard is closed, and blocks (here: until the canceled context) otherwise.
func (h *modelHarness) checkWait(ms *mStream, s *Stream, cur *mCursor, sh *mShard) {
	visible := len(cur.visible(sh, h.cutoff(ms)))
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	err := s.Wait(ctx, cur.c)
	switch {
	case errors.Is(err, ErrNotFound) && h.expirable(ms, sh):
	case !sh.isOpen() || visible > 0:
		if err != nil {
			h.failf("Wait on %s (closed=%v, %d records to read): %v", ShardID(sh.index), !sh.isOpen(), visible, err)
		}
	case cur.idx == len(sh.recs) && cur.minMs == math.MinInt64:
		if !errors.Is(err, context.Canceled) {
			h.failf("Wait at the tip of open shard %s returned %v, want it to block", ShardID(sh.index), err)
		}
	}
}
