package fragments

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// gapTolerance: a hole in server time between two fragments shorter than
// this is jitter, not a gap; a fragment may also start up to this much
// before the previous one ended (a clock stepped back by more starts it at
// the previous end instead).
const gapTolerance = time.Second

// camera is one camera's state. Its mutex guards every field below it; it
// is held only for short, in-memory work, never across a file write, an
// fsync or an index commit.
type camera struct {
	st   *Store
	name string
	dir  string

	mu       sync.RWMutex
	cfg      CameraConfig
	segs     []*segInfo // live segment files, oldest first
	bytes    int64      // their sizes
	tail     []Fragment // durable in the files, not yet in the index
	gaps     map[uint64]gapEntry
	openGap  *gapEntry
	gapSeq   uint64
	last     Fragment // the newest fragment; Number 0 when none
	next     uint64   // the next fragment number
	nextSeg  uint64
	floor    uint64 // segment ids below this were deleted
	active   uint64 // the segment file a recorder appends to; 0 if none
	recorder *Recorder
	// recording mirrors the index's "recording" flag: a Recorder ran and
	// did not close, so a restart finds the hole it left.
	recording bool
	// committedMeta is the counters as the index last committed them.
	committedMeta meta
	changed       chan struct{} // closed when a fragment or gap is added
	subs          map[*Subscription]struct{}
	stats         Stats
}

func newCamera(s *Store, name string) *camera {
	return &camera{
		st:      s,
		name:    name,
		dir:     filepath.Join(s.dir, "cameras", name),
		cfg:     CameraConfig{}.withDefaults(s.opts.Defaults),
		gaps:    map[uint64]gapEntry{},
		next:    1,
		nextSeg: 1,
		changed: make(chan struct{}),
		subs:    map[*Subscription]struct{}{},
	}
}

// wake tells followers that something was added. c.mu is held.
func (c *camera) wake() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// openGapLocked opens a gap at the end of the newest fragment (or at when
// there is none), unless one is open already, and says whether it did: the
// caller then commits the index, so that a crash keeps the reason. c.mu
// is held.
func (c *camera) openGapLocked(reason Reason, detail string, at time.Time) bool {
	if c.openGap != nil {
		return false
	}
	start := at
	if c.last.Number != 0 {
		start = c.last.End()
	}
	c.gapSeq++
	g := gapEntry{seq: c.gapSeq, Gap: Gap{Start: start, Reason: reason, Detail: detail}}
	c.openGap = &g
	c.gaps[g.seq] = g
	c.st.log.Warn("video recording stopped", "camera", c.name, "reason", string(reason), "detail", detail)
	c.wake()
	return true
}

// addGapLocked records a closed gap. c.mu is held.
func (c *camera) addGapLocked(reason Reason, detail string, start, end time.Time) {
	c.gapSeq++
	g := gapEntry{seq: c.gapSeq, Gap: Gap{Start: start, End: end, Reason: reason, Detail: detail}}
	c.gaps[g.seq] = g
	c.st.log.Warn("video recording has a gap", "camera", c.name, "reason", string(reason), "detail", detail,
		"seconds", end.Sub(start).Seconds())
}

// serverStart is where a new fragment starts on the server clock, given
// its first frame's receive time: never more than gapTolerance before the
// previous fragment's end. c.mu is held.
func (c *camera) serverStart(received time.Time) time.Time {
	if c.last.Number != 0 && received.Before(c.last.End().Add(-gapTolerance)) {
		return c.last.End()
	}
	return received
}

// addFragmentLocked records a fragment that is durable in its segment
// file, notes the gaps before it, and tells followers. c.mu is held.
func (c *camera) addFragmentLocked(f Fragment, seg *segInfo, jump string) {
	c.noteGapsLocked(f, jump)
	end := f.Offset + f.Size + trailerSize
	c.bytes += end - seg.size
	seg.size = end
	if seg.first == 0 {
		seg.first, seg.firstTime = f.Number, f.Server
	}
	seg.last, seg.lastEnd = f.Number, f.End()
	c.tail = append(c.tail, f)
	c.last = f
	c.stats.Fragments++
	c.publishLocked(f)
	c.wake()
}

// noteGapsLocked keeps the ledger as a fragment is added: it closes the
// open gap, or records the hole before the fragment (reason network, or
// clock jump when the camera's timestamps jumped), or a zero-length
// clock-jump entry for a jump without a hole. Recovery runs the fragments
// it finds in the files through it too, so that a crash before the index
// commit loses no ledger entry. c.mu is held.
func (c *camera) noteGapsLocked(f Fragment, jump string) {
	switch {
	case c.openGap != nil:
		g := *c.openGap
		g.End = f.Server
		if g.End.Before(g.Start) {
			g.End = g.Start
		}
		c.gaps[g.seq] = g
		c.openGap = nil
		c.st.log.Info("video recording resumed", "camera", c.name, "after", g.End.Sub(g.Start).String(), "reason", string(g.Reason))
	case c.last.Number != 0 && f.Server.After(c.last.End().Add(gapTolerance)):
		reason, detail := ReasonNetwork, fmt.Sprintf("no frames for %v", f.Server.Sub(c.last.End()).Round(time.Millisecond))
		if jump != "" {
			reason, detail = ReasonClockJump, jump
		}
		c.addGapLocked(reason, detail, c.last.End(), f.Server)
	case jump != "":
		c.addGapLocked(ReasonClockJump, jump, f.Server, f.Server)
	}
}

// liveSegment returns the live segment with id. c.mu is held.
func (c *camera) liveSegment(id uint64) *segInfo {
	for i := len(c.segs) - 1; i >= 0; i-- {
		if c.segs[i].id == id {
			return c.segs[i]
		}
	}
	return nil
}
