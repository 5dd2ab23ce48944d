package fragments

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidegate/tidegate/internal/durable"
)

// Retention deletes whole segment files, oldest first, never the one a
// recorder appends to. A deletion is made crash-safe by its order: one
// index transaction removes the segments' fragments and raises the
// camera's floor past their ids, then the files are unlinked and the
// directory fsync'd. A file below the floor that a crash or power cut left
// behind is removed at the next Open, never indexed again.

// deleteOldest deletes the camera's oldest segment file.
func (s *Store) deleteOldest(c *camera) error {
	return s.deleteSegments(c, func(seg *segInfo, i int) bool { return i == 0 })
}

// retainAge deletes the segment files whose newest fragment is older than
// the camera's retention period.
func (s *Store) retainAge(c *camera) error {
	c.mu.RLock()
	keep := c.cfg.Retention
	c.mu.RUnlock()
	if keep <= 0 {
		return nil
	}
	cutoff := s.opts.Clock().Add(-keep)
	return s.deleteSegments(c, func(seg *segInfo, _ int) bool { return seg.lastEnd.Before(cutoff) })
}

// deleteSegments deletes the oldest segments for which expired holds, up
// to the first for which it does not or the active one.
func (s *Store) deleteSegments(c *camera, expired func(seg *segInfo, i int) bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if err := s.flushLocked(); err != nil {
		return err
	}
	c.mu.Lock()
	var victims []*segInfo
	for i, seg := range c.segs {
		if seg.id == c.active || !expired(seg, i) {
			break
		}
		victims = append(victims, seg)
	}
	if len(victims) == 0 {
		c.mu.Unlock()
		return nil
	}
	floor := victims[len(victims)-1].id + 1
	var oldest time.Time // of what remains
	if len(c.segs) > len(victims) {
		oldest = c.segs[len(victims)].firstTime
	}
	c.mu.Unlock()

	if err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := buckets(tx, c.name)
		if err != nil {
			return err
		}
		for _, seg := range victims {
			frags, err := b.fragmentsOf(c.name, seg.first, seg.last)
			if err != nil {
				return err
			}
			for i := range frags {
				if err := b.deleteFragment(&frags[i]); err != nil {
					return err
				}
			}
			if err := b.segs.Delete(u64(seg.id)); err != nil {
				return err
			}
		}
		if err := b.meta.Put(keyFloor, u64(floor)); err != nil {
			return err
		}
		// Closed gaps before the oldest fragment left go with it.
		cur := b.gaps.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			g, err := decodeGap(k, v)
			if err != nil {
				return err
			}
			if g.Open() || (!oldest.IsZero() && !g.End.Before(oldest)) {
				break
			}
			if err := cur.Delete(); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("fragments: retention: index: %w", err)
	}

	c.mu.Lock()
	c.segs = append(c.segs[:0], c.segs[len(victims):]...)
	gone := map[uint64]bool{}
	for _, seg := range victims {
		c.bytes -= seg.size
		gone[seg.id] = true
	}
	tail := c.tail[:0]
	for _, f := range c.tail {
		if !gone[f.Segment] {
			tail = append(tail, f)
		}
	}
	c.tail = tail
	c.floor = max(c.floor, floor)
	c.committedMeta.floor = c.floor
	c.mu.Unlock()
	for _, seg := range victims {
		if err := os.Remove(segmentPath(c.dir, seg.id)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("fragments: retention: %w", err)
		}
		s.log.Info("video segment deleted by retention", "camera", c.name, "segment", seg.id,
			"fragments", seg.last-seg.first+1, "bytes", seg.size)
	}
	return durable.SyncDir(c.dir)
}
