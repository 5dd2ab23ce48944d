package fragments

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// pending is what one camera has to commit to the index.
type pending struct {
	c         *camera
	frags     []Fragment
	gaps      []gapEntry
	segs      []segInfo
	next      uint64
	nextSeg   uint64
	floor     uint64
	gapSeq    uint64
	recording bool
}

// snapshot copies what the camera has not yet committed. c.mu is held.
func (c *camera) snapshot() pending {
	p := pending{c: c, frags: append([]Fragment(nil), c.tail...), next: c.next, nextSeg: c.nextSeg,
		floor: c.floor, gapSeq: c.gapSeq, recording: c.recording}
	for _, g := range c.gaps {
		p.gaps = append(p.gaps, g)
	}
	for _, s := range c.segs {
		if !s.recorded || s.indexed != s.size {
			p.segs = append(p.segs, *s)
		}
	}
	return p
}

func (p *pending) write(tx *bolt.Tx) error {
	b, err := buckets(tx, p.c.name)
	if err != nil {
		return err
	}
	for i := range p.frags {
		if err := b.putFragment(&p.frags[i]); err != nil {
			return err
		}
	}
	for i := range p.gaps {
		if err := b.gaps.Put(p.gaps[i].key(), encodeGap(&p.gaps[i].Gap)); err != nil {
			return err
		}
	}
	for i := range p.segs {
		if err := b.segs.Put(u64(p.segs[i].id), encodeSeg(&p.segs[i])); err != nil {
			return err
		}
	}
	rec := uint64(0)
	if p.recording {
		rec = 1
	}
	for k, v := range map[string]uint64{string(keyNext): p.next, string(keyNextSeg): p.nextSeg,
		string(keyFloor): p.floor, string(keyGapSeq): p.gapSeq, string(keyRecording): rec} {
		if err := b.meta.Put([]byte(k), u64(v)); err != nil {
			return err
		}
	}
	return nil
}

// committed drops from the camera what p wrote. c.mu is held.
func (c *camera) committed(p *pending) {
	if n := len(p.frags); n > 0 {
		last := p.frags[n-1].Number
		i := 0
		for i < len(c.tail) && c.tail[i].Number <= last {
			i++
		}
		c.tail = append(c.tail[:0], c.tail[i:]...)
	}
	for _, g := range p.gaps {
		if cur, ok := c.gaps[g.seq]; ok && cur.Gap == g.Gap {
			delete(c.gaps, g.seq)
		}
	}
	for _, s := range p.segs {
		if live := c.liveSegment(s.id); live != nil {
			live.indexed = max(live.indexed, s.size)
			live.recorded = true
		}
	}
}

// Flush commits to the index every fragment and gap that is durable in the
// files but not yet indexed. The maintenance goroutine calls it every
// IndexInterval; a caller never needs to for durability.
func (s *Store) Flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	return s.flushLocked()
}

func (s *Store) flushLocked() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.mu.Unlock()
	var ps []pending
	for _, c := range s.cameraList() {
		c.mu.RLock()
		p := c.snapshot()
		c.mu.RUnlock()
		if len(p.frags) > 0 || len(p.gaps) > 0 || len(p.segs) > 0 || !c.metaCommitted(&p) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range ps {
			if err := ps[i].write(tx); err != nil {
				return fmt.Errorf("camera %q: %w", ps[i].c.name, err)
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("fragments: index commit: %w", err)
	}
	for i := range ps {
		c := ps[i].c
		c.mu.Lock()
		c.committed(&ps[i])
		c.committedMeta = metaOf(&ps[i])
		c.mu.Unlock()
	}
	return nil
}

// meta is a camera's counters as committed.
type meta struct {
	next, nextSeg, floor, gapSeq uint64
	recording                    bool
}

func metaOf(p *pending) meta {
	return meta{p.next, p.nextSeg, p.floor, p.gapSeq, p.recording}
}

func (c *camera) metaCommitted(p *pending) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.committedMeta == metaOf(p)
}
