package shards

import (
	"errors"
	"strings"
	"syscall"
)

// Space is the disk guard of the data directory (the gateway's is
// internal/disk.Guard), declared here so that the engine imports nothing of
// Tidegate. Below its reserve new records are refused with ErrDiskFull,
// while what the engine writes for its own bookkeeping — checkpoints,
// consumers, stream definitions, a retention floor — does not ask and
// finds the reserve: delivering the backlog is the way out of a full disk.
type Space interface {
	// Admit is asked before n bytes of new records are written: nil lets
	// them in; an error refuses them, and its text is the put's.
	Admit(n int64) error
	// Short is how many bytes would have to be freed for Admit(n) to let
	// them in now, refusing nothing: what an overwrite_oldest stream drops
	// first.
	Short(n int64) int64
	// Refresh samples the free space again, after a write failed for want
	// of space (cause) or after retention freed some (nil), and returns
	// the refusal new records get now, or nil.
	Refresh(cause error) error
	// Total is the size of the filesystem: on a small one segments are
	// kept small (segmentCap).
	Total() int64
}

// segmentCap bounds segments to a sixteenth of a small disk (at least
// minSegmentBytes), so that an overwrite_oldest stream there holds several
// and can drop its oldest when the disk fills; 0 (no bound) where the
// usual segment fits sixteen times.
func segmentCap(total int64) int64 {
	if total <= 0 || total/16 >= maxSegmentBytes {
		return 0
	}
	return max(total/16, minSegmentBytes)
}

// Estimated bytes on disk beyond the records' own, for Admit: a record's
// position, key length and framing in its chunk, and the pages a commit
// rewrites. The guard corrects the estimate with each sample.
const (
	recordOverhead = 16
	putOverhead    = 1 << 10
)

// diskFull is a put refused for want of space: it is ErrDiskFull and
// whatever the guard's refusal or the failed write is, with their text.
type diskFull struct{ err error }

func (e *diskFull) Error() string   { return e.err.Error() }
func (e *diskFull) Unwrap() []error { return []error{ErrDiskFull, e.err} }

// isNoSpace reports a write that failed for want of space (ENOSPC, or
// EDQUOT for a quota); bbolt flattens some errors to text ("file resize
// error: …"), so the text counts too.
func isNoSpace(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, syscall.ENOSPC.Error()) || strings.Contains(msg, syscall.EDQUOT.Error())
}

// spaceError turns a write that failed for want of space into
// ErrDiskFull, telling the guard, whose refusal (with its figures) then
// becomes the put's error. Other errors pass unchanged.
func (s *Stream) spaceError(err error) error {
	if err == nil || errors.Is(err, ErrDiskFull) || !isNoSpace(err) {
		return err
	}
	if sp := s.store.space; sp != nil {
		if refusal := sp.Refresh(err); refusal != nil {
			return &diskFull{refusal}
		}
	}
	return &diskFull{err}
}

// admitSpace asks the disk guard for room for r's records. A stream with a
// byte limit and on_full: overwrite_oldest keeps its promise on a full
// disk too: before it asks, it drops its oldest whole segments, as much as
// the guard says is short, so that its own writes never make the disk
// full. Other streams are refused: one without a byte limit has no policy
// that allows dropping what was acknowledged. Runs on the sequencer.
func (s *Stream) admitSpace(r *request) error {
	sp := s.store.space
	if sp == nil || r.reserved {
		return nil
	}
	n := int64(r.bytes) + int64(len(r.entries))*recordOverhead + putOverhead
	if s.overwrites() {
		if short := sp.Short(n); short > 0 && s.dropForSpace(short) {
			sp.Refresh(nil)
		}
	}
	if err := sp.Admit(n); err != nil {
		return &diskFull{err}
	}
	return nil
}

// overwrites reports whether the stream drops its oldest data to take new.
func (s *Stream) overwrites() bool {
	c := s.meta.Config
	return c.MaxBytes > 0 && c.OnFull == OverwriteOldest
}

// dropForSpace drops the stream's oldest sealed segments, enough to free
// need bytes (or all of them), and reports whether their files are gone:
// a reader holding one keeps its blocks until it lets go, and until then
// dropping more would free nothing sooner. Runs on the sequencer.
func (s *Stream) dropForSpace(need int64) bool {
	held := s.heldDrops[:0]
	for _, g := range s.heldDrops {
		select {
		case <-g.gone:
		default:
			held = append(held, g)
		}
	}
	s.heldDrops = held
	if len(held) > 0 {
		return false
	}
	s.barrier() // no commit may be writing to what is dropped
	n, freed := 0, int64(0)
	for n < len(s.segs)-1 && freed < need { // never the active segment
		freed += s.segs[n].size.Load()
		n++
	}
	if n == 0 {
		return false
	}
	drop := append([]*segment(nil), s.segs[:n]...)
	s.dropOldest(n, s.keepers(), ReasonDiskReserve)
	if len(s.segs) > 0 && s.segs[0] == drop[0] {
		return false // the floor could not be recorded: nothing dropped
	}
	s.log.Debug("disk full: dropped the oldest segments (on_full: overwrite_oldest)", "stream", s.name, "segments", n, "bytes", freed)
	gone := true
	for _, g := range drop {
		select {
		case <-g.gone:
		default:
			s.heldDrops = append(s.heldDrops, g)
			gone = false
		}
	}
	return gone
}
