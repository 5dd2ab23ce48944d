package shards

import (
	"time"
)

// startClock sets the store's clock at open, before any writer runs: the
// ledger read from the catalog, the newest stamp each boot left in the
// segments, estimated stamps for segments and closed shards of an earlier
// version (written down, so that they are estimated once), and boots no
// stamp names forgotten.
func (st *Store) startClock(led ledger) error {
	now := st.clock.now()
	latest := map[string]stamp{}
	refs := map[string]bool{}
	note := func(s stamp) {
		refs[s.Boot] = true
		if l, ok := latest[s.Boot]; !ok || s.Mono > l.Mono {
			latest[s.Boot] = s
		}
	}
	type legacySeg struct {
		s *Stream
		g *segment
	}
	var legacy []legacySeg
	for _, s := range st.streams {
		for _, g := range s.segs {
			t := g.tail.Load()
			switch {
			case t == nil:
			case !t.stamped:
				legacy = append(legacy, legacySeg{s, g})
			default:
				note(t.first)
				note(t.last)
			}
		}
		for _, sm := range s.meta.Shards {
			if sm.Closed != nil {
				note(*sm.Closed)
			}
		}
	}
	st.events.push(st.clock.start(led, latest, now)...)
	for _, l := range legacy {
		est := estimateStamp(now, l.g.lastMs.Load())
		refs[est.Boot] = true
		l.g.restamp(est, func(err error) {
			st.log.Warn("segment of an earlier version: its estimated time stamp is not written, it will be estimated again at the next start",
				"stream", l.s.name, "segment", l.g.path, "err", err)
		})
	}
	if len(legacy) > 0 {
		st.log.Info("segments of an earlier version dated by the wall clock; from now on they age on the monotonic clock",
			"segments", len(legacy), "wall_clock_synchronized", now.Synced)
	}
	for _, s := range st.streams {
		if err := s.stampLegacyClosures(now); err != nil {
			return err
		}
	}
	st.clock.prune(refs)
	st.clock.mu.Lock()
	defer st.clock.mu.Unlock()
	st.clock.saveLocked(st.cat.saveLedger)
	return nil
}

// stampLegacyClosures gives closed shards of an earlier version, which
// have a closing time by the wall clock only, an estimated stamp (as
// estimateStamp dates segments), and writes it to the catalog.
func (s *Stream) stampLegacyClosures(now stamp) error {
	m := s.meta
	changed := false
	m.Shards = append([]shardMeta(nil), m.Shards...)
	for i := range m.Shards {
		if sm := &m.Shards[i]; sm.EndPos != 0 && sm.Closed == nil {
			est := estimateStamp(now, sm.ClosedAtMs)
			sm.Closed = &est
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if err := s.store.cat.putStream(&m); err != nil {
		return err
	}
	s.mu.Lock()
	s.meta = m
	s.mu.Unlock()
	return nil
}

// watch looks at the clocks every second until the store closes.
func (st *Store) watch() {
	defer close(st.watchDone)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-st.stopWatch:
			return
		case <-t.C:
			st.checkClock()
		}
	}
}

// checkClock is the watcher's look: steps, the first synchronization, the
// ledger written when due.
func (st *Store) checkClock() { st.events.push(st.clock.tick(st.cat.saveLedger)...) }
