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

// expire deletes the segments whose newest record has outlived retention.
// The newest segment goes too once all of it has expired.
func (s *Stream) expire() {
	s.barrier() // sizes and times must include every commit in flight
	cutoff := s.cutoffMs()
	n := 0
	for n < len(s.segs) && s.segs[n].lastMs.Load() < cutoff {
		n++
	}
	s.dropOldest(n)
}

// trimToBytes deletes the oldest sealed segments while the stream is over
// its byte limit (on_full: overwrite_oldest).
func (s *Stream) trimToBytes() {
	s.barrier()
	limit := s.meta.Config.MaxBytes
	used := s.storageBytes()
	n := 0
	for n < len(s.segs)-1 && used > limit {
		used -= s.segs[n].size.Load()
		n++
	}
	s.dropOldest(n)
}

// dropOldest deletes the n oldest segments; the caller has passed a
// barrier, so no commit is writing to them. The floor recorded first keeps
// positions increasing across a restart even if every file is gone.
func (s *Stream) dropOldest(n int) {
	if n == 0 {
		return
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
}

// expireClosedShards forgets closed shards once they closed longer ago
// than the retention period: all their records have expired by then.
func (s *Stream) expireClosedShards() {
	cutoff := s.cutoffMs()
	keep := s.meta.Shards[:0:0]
	for _, sm := range s.meta.Shards {
		if sm.EndPos != 0 && sm.ClosedAtMs < cutoff {
			continue
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
