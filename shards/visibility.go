package shards

// What a reader sees, and when records arrived, both follow from the
// segments' stamps (see docs/shards.md, "Time"):
//
//   - A record is hidden once it has outlived the retention period in lived
//     time, unless a consumer the stream keeps records for still needs its
//     segment. Within a segment positions ran with the monotonic clock (a
//     step rolls the segment), so a record's lived time is its segment's
//     last stamp's, less the arrival time between it and the segment's
//     newest record. In a segment whose positions waited for a wall clock
//     stepped back, the newest record's lived time stands for all.
//   - A record's arrival time is its position's (the store's arrival clock
//     at its put), except in a segment written before the wall clock's
//     first synchronization in its boot: once that boot synchronized, its
//     newest record's true arrival is its last stamp's monotonic time plus
//     the boot's sync offset, and the others are as much earlier as their
//     positions' times.

// ClockState says how far a record's ArrivalTime can be trusted.
type ClockState uint8

const (
	// ClockSynced: the wall clock was synchronized when the record
	// arrived (or, for records written by a version before this one,
	// could not be told). ArrivalTime is its reading, never earlier than
	// an arrival time given before.
	ClockSynced ClockState = iota
	// ClockCorrected: the record arrived before the wall clock's first
	// synchronization in that boot; ArrivalTime is corrected by the
	// offset that synchronization revealed.
	ClockCorrected
	// ClockUnsynced: the record arrived before a synchronization that has
	// not come (yet) in that boot; ArrivalTime is what the board's clock
	// said, or the newest arrival time before it when that was later.
	ClockUnsynced
)

func (c ClockState) String() string {
	switch c {
	case ClockCorrected:
		return "corrected"
	case ClockUnsynced:
		return "unsynced"
	}
	return "synced"
}

// A timeline maps a segment's positions to times (Unix or lived ms): a
// position's time shifted.
type timeline struct{ shift int64 }

func (tl timeline) at(pos uint64) int64 { return posMillis(pos) + tl.shift }

// posFor returns the first position whose time is at or after ms.
func (tl timeline) posFor(ms int64) uint64 { return posAt(max(ms-tl.shift, 0)) }

// ahead reports whether a segment's positions stood ahead of the wall
// clock (a step back, or a boot in 1970): the arrival clock's, not the wall
// clock's. A segment is wholly one or the other (activeSegment rolls
// between them).
func (t *segTail) ahead() bool {
	return !t.last.Estimated && posMillis(t.lastPos)-t.last.Wall > stepThreshold.Milliseconds()
}

// waited reports whether the segment's positions stood while a
// synchronized wall clock, stepped back, caught up with the arrival clock:
// its records' positions then tell nothing of when each arrived.
func (t *segTail) waited() bool { return t.last.Synced && t.ahead() }

// livedLine maps a segment's positions to lived time: its positions ran
// with the monotonic clock (the wall clock's, or the arrival clock's, which
// runs on it), so a record is as much older than the segment's newest as
// its position's time is earlier. Not for a segment whose positions waited
// (see horizon).
func (s *Stream) livedLine(t *segTail) timeline {
	return timeline{shift: s.store.clock.lived(t.last) - posMillis(t.lastPos)}
}

// arrivalOf maps a segment's positions to arrival times, and says how far
// to trust them. Synchronized (or estimated) segments give their
// positions' times. A segment written before its boot's first
// synchronization is corrected once that came: its newest record truly
// arrived at its last stamp's monotonic time plus the boot's sync offset,
// the others as much earlier as their positions' times are.
func (s *Stream) arrivalOf(g *segment) (timeline, ClockState) {
	t := g.tail.Load()
	if t == nil || t.last.Synced {
		return timeline{}, ClockSynced
	}
	so, ok := s.store.clock.syncOffset(t.last.Boot)
	if !ok {
		return timeline{}, ClockUnsynced
	}
	return timeline{shift: t.last.Mono + so - posMillis(t.lastPos)}, ClockCorrected
}

// horizon is the first position a reader may see: what comes before it
// has outlived retention. The caller holds s.mu.
func (s *Stream) horizon() uint64 {
	c := s.store.clock
	now := c.livedNow()
	retention := s.meta.Config.Retention.Milliseconds()
	keeps := len(s.meta.Config.KeepFor) > 0
	var after uint64 // past every segment seen so far
	for _, g := range s.segs {
		t := g.tail.Load()
		if t == nil {
			continue
		}
		if keeps && !g.hideable.Load() {
			return max(t.firstPos, after)
		}
		if now-c.lived(t.last) <= retention { // its newest record is kept
			if t.waited() { // so are all: when each arrived is not known
				return max(t.firstPos, after)
			}
			return max(s.livedLine(t).posFor(now-retention), t.firstPos, after)
		}
		after = t.lastPos + 1
	}
	return after
}

// seekTime is where AT_TIMESTAMP ms starts: at the first record, in
// sequence order, whose arrival time is at or after ms. The caller holds
// s.mu.
func (s *Stream) seekTime(ms int64) uint64 {
	var after uint64
	for _, g := range s.segs {
		t := g.tail.Load()
		if t == nil {
			continue
		}
		if tl, _ := s.arrivalOf(g); tl.at(t.lastPos) >= ms {
			return max(tl.posFor(ms), after)
		}
		after = t.lastPos + 1
	}
	return max(posAt(max(ms, 0)), after)
}
