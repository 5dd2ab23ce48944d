package fragments

import (
	"fmt"
	"time"
)

// Fragment is one stored fragment: an fMP4 moof and mdat that starts on a
// keyframe, and what the index knows of it.
type Fragment struct {
	Camera string
	// Number grows by one per fragment and per camera, and is never reused:
	// not after retention deleted the fragment, not after a restart. (The
	// number of a fragment a crash tore before it was stored, which no one
	// was told of, is given again.)
	Number uint64
	// Server is the gateway's receive time of the fragment's first frame.
	// It never goes back by more than a small tolerance from one fragment
	// to the next, whatever the gateway's clock does.
	Server time.Time
	// Producer is the camera's wall clock at the first frame (from RTCP
	// sender reports), zero when the ingest does not know it.
	Producer  time.Time
	Duration  time.Duration // media time: the sum of the video track's sample durations
	Size      int64         // bytes of the moof and mdat, what ReadFragment returns
	Frames    int           // samples of every track
	Keyframes int           // video samples that start a GOP (the first is one)
	Segment   uint64        // the segment file that holds it
	Offset    int64         // where its moof starts in that file
}

// End is when the fragment's media ends, on the server clock.
func (f Fragment) End() time.Time { return f.Server.Add(f.Duration) }

// Reason says why a recording has a hole.
type Reason string

// The reasons of the gap ledger.
const (
	ReasonCameraOffline Reason = "camera offline" // the camera stopped sending or could not be reached
	ReasonNetwork       Reason = "network"        // frames stopped arriving while the session stayed up
	ReasonDiskFull      Reason = "disk full"      // the disk guard refused the write
	ReasonStoreFull     Reason = "store full"     // the camera's max_bytes was reached with on_full refuse_new
	ReasonRestart       Reason = "restart"        // the gateway stopped (cleanly or not) while recording
	ReasonClockJump     Reason = "clock jump"     // the camera's timestamps went back or leapt forward
	ReasonStorageError  Reason = "storage error"  // a write or fsync failed; the fragment was not kept
)

// Gap is a hole in a camera's recording, on the server clock. An open gap
// (End zero) is one the recording has not yet come back from.
type Gap struct {
	Start, End time.Time
	Reason     Reason
	Detail     string
}

// Open says whether the recording has not yet resumed after the gap.
func (g Gap) Open() bool { return g.End.IsZero() }

func (g Gap) String() string {
	end := "open"
	if !g.Open() {
		end = g.End.Format(time.RFC3339Nano)
	}
	s := fmt.Sprintf("%s … %s: %s", g.Start.Format(time.RFC3339Nano), end, g.Reason)
	if g.Detail != "" {
		s += " (" + g.Detail + ")"
	}
	return s
}

// OnFull is what a camera does when its max_bytes is reached.
type OnFull string

// The on-full policies.
const (
	DeleteOldest OnFull = "delete_oldest" // delete the oldest segment files (the default)
	RefuseNew    OnFull = "refuse_new"    // stop recording, with a gap, until age retention frees room
)

// CameraConfig is a camera's fragmenting and retention. Zero fields take
// the store's defaults, then the built-in ones.
type CameraConfig struct {
	// FragmentTarget: a fragment ends at the first keyframe at least this
	// long after its start (2 s). With a longer GOP a fragment is a GOP.
	FragmentTarget time.Duration
	// SegmentSpan and SegmentBytes bound one segment file (10 min, 64 MiB,
	// and never above an eighth of MaxBytes): retention deletes whole
	// files, so these are its granularity.
	SegmentSpan  time.Duration
	SegmentBytes int64
	// Retention deletes a segment file once its newest fragment is older
	// than this (0: no age limit).
	Retention time.Duration
	// MaxBytes caps the camera's segment files (0: no cap); OnFull says
	// what happens at the cap.
	MaxBytes int64
	OnFull   OnFull
}

func (c CameraConfig) withDefaults(d CameraConfig) CameraConfig {
	if c.FragmentTarget <= 0 {
		c.FragmentTarget = d.FragmentTarget
	}
	if c.FragmentTarget <= 0 {
		c.FragmentTarget = 2 * time.Second
	}
	if c.SegmentSpan <= 0 {
		c.SegmentSpan = d.SegmentSpan
	}
	if c.SegmentSpan <= 0 {
		c.SegmentSpan = 10 * time.Minute
	}
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = d.SegmentBytes
	}
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = 64 << 20
	}
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.MaxBytes > 0 {
		c.SegmentBytes = max(1, min(c.SegmentBytes, c.MaxBytes/8))
	}
	if c.OnFull == "" {
		c.OnFull = d.OnFull
	}
	if c.OnFull == "" {
		c.OnFull = DeleteOldest
	}
	return c
}

func (c CameraConfig) validate() error {
	if c.OnFull != DeleteOldest && c.OnFull != RefuseNew {
		return fmt.Errorf("%w: on_full %q (want %q or %q)", ErrInvalidArgument, c.OnFull, DeleteOldest, RefuseNew)
	}
	return nil
}

// DiskGuard is consulted before every fragment is written. A refusal
// stops the recording with a gap of reason "disk full"; the recorder asks
// again at each following keyframe and resumes, closing the gap, once the
// guard allows it. The gateway's guard watches the data directory's free
// space; it must answer fast and never block.
type DiskGuard interface {
	AllowWrite(camera string, bytes int64) error
}

// Damage is what reconciling the index with the files at Open found and
// repaired.
type Damage struct {
	Camera  string
	Segment uint64
	What    string
}

// Stats are a camera's counters since Open.
type Stats struct {
	FramesReceived int64 // frames handed to WriteFrame
	BytesReceived  int64 // their payload bytes
	FramesDropped  int64 // frames not stored: before the first keyframe, refused, or failed
	Fragments      int64 // fragments written and fsync'd
	BytesWritten   int64 // bytes written to segment files (init segments included)
	Fsyncs         int64
}
