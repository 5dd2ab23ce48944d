package shards

import (
	"fmt"
	"sort"
	"time"
)

// ShardInfo describes a shard as DescribeStream and ListShards do.
type ShardInfo struct {
	ShardID                string
	Index                  int
	ParentShardID          string // "" when none
	AdjacentParentShardID  string // "" when none; set on a merge's child
	HashKeyRange           HashRange
	StartingSequenceNumber string
	EndingSequenceNumber   string    // "" while the shard is open
	Opened                 time.Time // when it started taking records
	Closed                 time.Time // when a split or merge closed it; zero while open
}

// Open reports whether the shard still takes writes.
func (i ShardInfo) Open() bool { return i.EndingSequenceNumber == "" }

func (s *Stream) shardInfo(sm shardMeta) ShardInfo {
	start, _ := ParseHashKey(sm.Start)
	end, _ := ParseHashKey(sm.End)
	info := ShardInfo{
		ShardID:                ShardID(sm.Index),
		Index:                  sm.Index,
		Opened:                 posTime(sm.StartPos),
		HashKeyRange:           HashRange{start, end},
		StartingSequenceNumber: formatSeq(s.meta.ID, sm.Index, sm.StartPos),
	}
	if sm.Parent >= 0 {
		info.ParentShardID = ShardID(sm.Parent)
	}
	if sm.Adjacent >= 0 {
		info.AdjacentParentShardID = ShardID(sm.Adjacent)
	}
	if sm.EndPos != 0 {
		info.EndingSequenceNumber = formatSeq(s.meta.ID, sm.Index, sm.EndPos)
		info.Closed = time.UnixMilli(sm.ClosedAtMs)
	}
	return info
}

// Shards lists every shard, open and closed, in creation order.
func (s *Stream) Shards() []ShardInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ShardInfo, 0, len(s.meta.Shards))
	for _, sm := range s.meta.Shards {
		out = append(out, s.shardInfo(sm))
	}
	return out
}

// children returns the shards whose parent is idx.
func (s *Stream) children(idx int) []ShardInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ShardInfo
	for _, sm := range s.meta.Shards {
		if sm.Parent == idx || sm.Adjacent == idx {
			out = append(out, s.shardInfo(sm))
		}
	}
	return out
}

// SplitShard closes a shard and opens two children: one from its start to
// newStartingHashKey-1, one from newStartingHashKey to its end.
func (s *Stream) SplitShard(shardID, newStartingHashKey string) error {
	idx, err := ParseShardID(shardID)
	if err != nil {
		return err
	}
	key, err := ParseHashKey(newStartingHashKey)
	if err != nil {
		return err
	}
	return s.do(func() error {
		return s.reshard(func(r *resharder) error { return r.split(idx, key) })
	})
}

// MergeShards closes two adjacent open shards and opens one child covering
// both ranges.
func (s *Stream) MergeShards(shardID, adjacentShardID string) error {
	a, err := ParseShardID(shardID)
	if err != nil {
		return err
	}
	b, err := ParseShardID(adjacentShardID)
	if err != nil {
		return err
	}
	return s.do(func() error {
		return s.reshard(func(r *resharder) error { return r.merge(a, b) })
	})
}

// UpdateShardCount reaches target open shards by splitting the widest and
// merging the narrowest adjacent pairs, so every child has one or two
// parents and ranges stay near uniform. As in Kinesis, target must lie
// within half and double the current count.
func (s *Stream) UpdateShardCount(target int) error {
	return s.do(func() error {
		cur := len(s.open)
		if target < 1 || target > MaxShards || target > 2*cur || 2*target < cur {
			return fmt.Errorf("%w: target shard count %d must be between %d and %d (half and double the %d open shards, at most %d)",
				ErrInvalidArgument, target, (cur+1)/2, min(2*cur, MaxShards), cur, MaxShards)
		}
		return s.reshard(func(r *resharder) error {
			for r.openCount() < target {
				w := r.widest()
				rng := r.rangeOf(w)
				if err := r.split(w, rng.Start.add(rng.width().half()).inc()); err != nil {
					return err
				}
			}
			for r.openCount() > target {
				a, b := r.narrowestPair()
				if err := r.merge(a, b); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// reshard applies fn to a copy of the shard map, makes it durable, then
// installs it. It runs on the writer, between commits.
func (s *Stream) reshard(fn func(*resharder) error) error {
	m := s.meta
	m.Shards = append([]shardMeta(nil), s.meta.Shards...)
	now := s.store.clock.now()
	r := &resharder{s: s, m: &m, nowPos: posAt(s.store.arrival.at(now)), now: now}
	if err := fn(r); err != nil {
		return err
	}
	m.Config.Shards = r.openCount()
	if err := s.store.cat.putStream(&m); err != nil {
		return err
	}
	return s.applyMeta(m)
}

// resharder edits a stream's shard map.
type resharder struct {
	s      *Stream
	m      *streamMeta
	nowPos uint64
	now    stamp
}

func (r *resharder) find(idx int) (*shardMeta, error) {
	for i := range r.m.Shards {
		if r.m.Shards[i].Index == idx {
			if r.m.Shards[i].EndPos != 0 {
				return nil, fmt.Errorf("%w: shard %s of stream %q is closed", ErrShardClosed, ShardID(idx), r.m.Name)
			}
			return &r.m.Shards[i], nil
		}
	}
	return nil, fmt.Errorf("%w: shard %s in stream %q", ErrNotFound, ShardID(idx), r.m.Name)
}

func (r *resharder) rangeOf(idx int) HashRange {
	sm, _ := r.find(idx)
	start, _ := ParseHashKey(sm.Start)
	end, _ := ParseHashKey(sm.End)
	return HashRange{start, end}
}

func (r *resharder) openCount() int {
	n := 0
	for _, sm := range r.m.Shards {
		if sm.EndPos == 0 {
			n++
		}
	}
	return n
}

// openSorted returns the open shard indexes in hash key order.
func (r *resharder) openSorted() []int {
	var idx []int
	for _, sm := range r.m.Shards {
		if sm.EndPos == 0 {
			idx = append(idx, sm.Index)
		}
	}
	sort.Slice(idx, func(i, j int) bool { return r.rangeOf(idx[i]).Start.Cmp(r.rangeOf(idx[j]).Start) < 0 })
	return idx
}

func (r *resharder) widest() int {
	best := -1
	var bw HashKey
	for _, i := range r.openSorted() {
		if w := r.rangeOf(i).width(); best < 0 || w.Cmp(bw) > 0 {
			best, bw = i, w
		}
	}
	return best
}

func (r *resharder) narrowestPair() (int, int) {
	o := r.openSorted()
	a, b := o[0], o[1]
	var bw HashKey
	for i := 0; i+1 < len(o); i++ {
		w := r.rangeOf(o[i]).width().add(r.rangeOf(o[i+1]).width())
		if i == 0 || w.Cmp(bw) < 0 {
			a, b, bw = o[i], o[i+1], w
		}
	}
	return a, b
}

// close ends a shard at its last position (or its start when it holds no
// record) and returns the first position its children may use.
func (r *resharder) close(sm *shardMeta) uint64 {
	last := sm.StartPos
	if sh := r.s.shards[sm.Index]; sh != nil {
		last = max(last, sh.next)
	}
	sm.EndPos = last
	sm.ClosedAtMs = posMillis(r.nowPos)
	closed := r.now
	sm.Closed = &closed
	return last + 1
}

func (r *resharder) add(rng HashRange, parent, adjacent int, start uint64) {
	r.m.Shards = append(r.m.Shards, shardMeta{
		Index: r.m.NextShard, Start: rng.Start.String(), End: rng.End.String(),
		Parent: parent, Adjacent: adjacent, StartPos: max(start, r.nowPos),
	})
	r.m.NextShard++
}

func (r *resharder) split(idx int, key HashKey) error {
	sm, err := r.find(idx)
	if err != nil {
		return err
	}
	rng := r.rangeOf(idx)
	if key.Cmp(rng.Start) <= 0 || key.Cmp(rng.End) > 0 {
		return fmt.Errorf("%w: new starting hash key %s must lie in (%s, %s] of shard %s",
			ErrInvalidArgument, key, rng.Start, rng.End, ShardID(idx))
	}
	if r.openCount()+1 > MaxShards {
		return fmt.Errorf("%w: stream %q would have more than %d open shards", ErrLimitExceeded, r.m.Name, MaxShards)
	}
	start := r.close(sm)
	r.add(HashRange{rng.Start, key.dec()}, idx, -1, start)
	r.add(HashRange{key, rng.End}, idx, -1, start)
	return nil
}

func (r *resharder) merge(a, b int) error {
	sa, err := r.find(a)
	if err != nil {
		return err
	}
	sb, err := r.find(b)
	if err != nil {
		return err
	}
	ra, rb := r.rangeOf(a), r.rangeOf(b)
	var rng HashRange
	switch {
	case ra.End.inc() == rb.Start && ra.End != MaxHashKey:
		rng = HashRange{ra.Start, rb.End}
	case rb.End.inc() == ra.Start && rb.End != MaxHashKey:
		rng = HashRange{rb.Start, ra.End}
	default:
		return fmt.Errorf("%w: shards %s and %s are not adjacent", ErrInvalidArgument, ShardID(a), ShardID(b))
	}
	start := max(r.close(sa), r.close(sb))
	r.add(rng, a, b, start)
	return nil
}
