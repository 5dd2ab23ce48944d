package shards

import "time"

// idleSegment is how long a sealed segment stays open after its last read.
const idleSegment = 30 * time.Second

// maintain runs on the writer every second: retention by age and bytes,
// expiry of closed shards, and closing of idle segment files.
func (s *Stream) maintain() {
	s.expire()
	if s.meta.Config.MaxBytes > 0 && s.meta.Config.OnFull == OverwriteOldest {
		s.trimToBytes()
	}
	s.expireClosedShards()
	// The writer is the only one to change s.segs: it reads it unlocked.
	idle := time.Now().Add(-idleSegment)
	for i, g := range s.segs {
		if i < len(s.segs)-1 {
			g.closeIfIdle(idle)
		}
	}
}

// expire deletes, oldest first, the segments whose newest record has
// outlived retention in lived time (the monotonic clock's, whatever the
// wall clock did). The newest segment goes too once all of it has expired.
// It stops at the first segment a consumer the stream keeps records for
// has not read: that one and the later ones stay, readable, until it has.
// While the disk is below its reserve, that segment goes all the same (one
// a call), every keeper's loss counted.
func (s *Stream) expire() {
	s.barrier() // sizes and times must include every commit in flight
	c := s.store.clock
	now := c.livedNow()
	retention := s.meta.Config.Retention.Milliseconds()
	kp := s.keepers()
	if kp != nil {
		s.markHideable(kp)
	}
	overdue := func(g *segment) bool {
		t := g.tail.Load()
		return t != nil && now-c.lived(t.last) > retention
	}
	n := 0
	for n < len(s.segs) && overdue(s.segs[n]) && (kp == nil || s.segs[n].hideable.Load()) {
		n++
	}
	s.dropOldest(n, nil, "")
	if kp != nil && len(s.segs) > 0 && overdue(s.segs[0]) && s.store.spaceLow != nil && s.store.spaceLow() {
		s.dropOldest(1, kp, ReasonDiskReserve)
	}
}

// trimToBytes deletes the oldest sealed segments while the stream is over
// its byte limit (on_full: overwrite_oldest), whoever has read them: what
// keepers had not read is counted as lost.
func (s *Stream) trimToBytes() {
	s.barrier()
	limit := s.meta.Config.MaxBytes
	used := s.storageBytes()
	n := 0
	for n < len(s.segs)-1 && used > limit {
		used -= s.segs[n].size.Load()
		n++
	}
	if n > 0 {
		s.dropOldest(n, s.keepers(), ReasonMaxBytes)
	}
}

// dropOldest deletes the n oldest segments; the caller has passed a
// barrier, so no commit is writing to them. The floor recorded first keeps
// positions increasing across a restart even if every file is gone. With
// keepers (a bound forcing the delete, for reason), what each had not read
// is counted and reported first.
func (s *Stream) dropOldest(n int, kp map[string]map[int]uint64, reason string) {
	if n == 0 {
		return
	}
	lost := map[string]int64{}
	incomplete := map[string]bool{}
	for _, g := range s.segs[:n] {
		if len(kp) == 0 {
			break
		}
		counts, err := s.countUnread(g, kp)
		for name, v := range counts {
			lost[name] += v
		}
		if err != nil {
			s.log.Error("retention: count the unread records of a segment to delete", "stream", s.name, "segment", g.path, "err", err)
			for name, cps := range kp {
				if t := g.tail.Load(); t != nil && unread(cps, t) {
					incomplete[name] = true
				}
			}
		}
	}
	var floor int64
	for _, g := range s.segs[:n] {
		floor = max(floor, g.lastMs.Load())
	}
	if floor > s.meta.FloorMs {
		m := s.meta
		m.FloorMs = floor
		if err := s.store.cat.putStream(&m); err != nil {
			s.log.Error("retention: record floor", "stream", s.name, "err", err)
			return
		}
		s.mu.Lock()
		s.meta.FloorMs = floor
		s.mu.Unlock()
	}
	s.mu.Lock()
	gone := append([]*segment(nil), s.segs[:n]...)
	s.segs = append(s.segs[:0:0], s.segs[n:]...)
	s.mu.Unlock()
	// A reader still inside a segment deletes it when it lets go.
	for _, g := range gone {
		g.remove.Store(true)
		s.release(g)
	}
	s.log.Debug("retention: deleted segments", "stream", s.name, "count", n)
	s.reportLost(lost, incomplete, reason)
}

// expireClosedShards forgets closed shards once they closed longer ago
// than the retention period (in lived time): all their records have
// expired by then, unless a consumer the stream keeps records for still
// has some to read, which keeps the shard.
func (s *Stream) expireClosedShards() {
	c := s.store.clock
	now := c.livedNow()
	retention := s.meta.Config.Retention.Milliseconds()
	var kp map[string]map[int]uint64
	keep := s.meta.Shards[:0:0]
	for _, sm := range s.meta.Shards {
		if sm.EndPos != 0 && sm.Closed != nil && now-c.lived(*sm.Closed) > retention {
			if kp == nil {
				kp = s.keepers()
			}
			if !s.shardNeeded(kp, sm.Index) {
				continue
			}
		}
		keep = append(keep, sm)
	}
	if len(keep) == len(s.meta.Shards) {
		return
	}
	m := s.meta
	m.Shards = keep
	if err := s.store.cat.putStream(&m); err != nil {
		s.log.Error("retention: forget closed shards", "stream", s.name, "err", err)
		return
	}
	if err := s.applyMeta(m); err != nil {
		s.log.Error("retention: forget closed shards", "stream", s.name, "err", err)
	}
}
