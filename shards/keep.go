package shards

import (
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Keeping records for consumers (StreamConfig.KeepFor): a delivery offline
// for longer than the retention period finds its backlog still there. What
// a keeper has read is what it checkpointed: a record at or below its
// checkpoint in its shard is read, anything after is not.

// keepers reads the checkpoints of the registered consumers the stream
// keeps records for: consumer → shard → the last position it read (absent:
// none). Nil when the stream keeps for nobody. It runs on the writer.
func (s *Stream) keepers() map[string]map[int]uint64 {
	names := s.meta.Config.KeepFor
	if len(names) == 0 {
		return nil
	}
	out := map[string]map[int]uint64{}
	cons, err := s.store.cat.consumers(s.name)
	if err != nil {
		// Unknown: keep everything for every name rather than guess.
		s.log.Error("retention: read consumers; keeping every record for them", "stream", s.name, "err", err)
		for _, n := range names {
			out[n] = map[int]uint64{}
		}
		return out
	}
	for _, c := range cons {
		if !slices.Contains(names, c.Name) {
			continue
		}
		cps, err := s.store.cat.checkpoints(s.name, c.Name)
		if err != nil {
			s.log.Error("retention: read checkpoints; keeping every record for the consumer", "stream", s.name, "consumer", c.Name, "err", err)
			cps = map[int]uint64{}
		}
		out[c.Name] = cps
	}
	return out
}

// unread reports whether a consumer with checkpoints cps has records of
// the segment t describes still to read.
func unread(cps map[int]uint64, t *segTail) bool {
	for shard, last := range t.lasts {
		if cps[shard] < last {
			return true
		}
	}
	return false
}

// needed reports whether any keeper has records of the segment still to
// read.
func needed(kp map[string]map[int]uint64, t *segTail) bool {
	for _, cps := range kp {
		if unread(cps, t) {
			return true
		}
	}
	return false
}

// markHideable notes on each segment whether a keeper needs it; readers
// hide a segment's records past retention only when none does.
func (s *Stream) markHideable(kp map[string]map[int]uint64) {
	for _, g := range s.segs {
		if t := g.tail.Load(); t != nil {
			g.hideable.Store(!needed(kp, t))
		}
	}
}

// shardNeeded reports whether a keeper has records of shard idx still to
// read in the stream's segments.
func (s *Stream) shardNeeded(kp map[string]map[int]uint64, idx int) bool {
	for _, cps := range kp {
		for _, g := range s.segs {
			if t := g.tail.Load(); t != nil && t.lasts[idx] > cps[idx] {
				return true
			}
		}
	}
	return false
}

// countUnread counts, per keeper, the records of segment g it has not
// read: what deleting g loses. It reads chunk headers only.
func (s *Stream) countUnread(g *segment, kp map[string]map[int]uint64) (map[string]int64, error) {
	t := g.tail.Load()
	out := map[string]int64{}
	if t == nil {
		return out, nil
	}
	db, err := g.handle()
	if err != nil {
		return out, err
	}
	err = guard("count "+g.path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			for name, cps := range kp {
				for _, shard := range slices.Sorted(maps.Keys(t.lasts)) {
					last, cp := t.lasts[shard], cps[shard]
					if cp >= last {
						continue
					}
					n, _, _ := countBucket(tx.Bucket(shardBucket(shard)), cp+1, last)
					out[name] += n
				}
			}
			return nil
		})
	})
	return out, err
}

// reportLost counts, logs and reports the records keepers lose when
// segments they need are deleted by a bound. incomplete names keepers
// whose count misses a segment that could not be read: at least that many.
func (s *Stream) reportLost(lost map[string]int64, incomplete map[string]bool, reason string) {
	now := s.store.clock.now()
	names := slices.Collect(maps.Keys(lost))
	for name := range incomplete {
		if _, ok := lost[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		n := lost[name]
		if n == 0 && !incomplete[name] {
			continue
		}
		s.stats.undeliveredDeleted.Add(n)
		s.log.Warn("retention: deleted records a consumer had not read, forced by a bound",
			"stream", s.name, "consumer", name, "records", n, "count_incomplete", incomplete[name], "reason", reason)
		s.store.events.push(Event{Kind: EventUndeliveredDeleted, Time: time.UnixMilli(now.Wall),
			Stream: s.name, Consumer: name, Records: n, Reason: reason, CountIncomplete: incomplete[name]})
	}
}
