package cameras

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/tidegate/tidegate/video/fragments"
)

// Queue bounds: a session buffers at most this many frames and bytes
// between the protocol's read loop and the recorder. At 25 fps that is
// ten seconds, far more than the fsync of a fragment takes.
const (
	DefaultQueueFrames = 256
	DefaultQueueBytes  = 16 << 20
)

// Session is one session of a camera's source: a recorder fed from a
// bounded queue by its own goroutine. Its methods are safe for concurrent
// use and never wait for the disk.
type Session struct {
	c    *Camera
	rec  *fragments.Recorder
	stop func()
	q    chan item

	queued   atomic.Int64 // bytes in q
	frames   atomic.Int64
	dropped  atomic.Int64 // by a full queue or while waiting for a keyframe after one
	refused  atomic.Int64 // by the recorder (bad input)
	warnedAt atomic.Int64 // unix nanos of the last overflow warning

	mu      sync.Mutex // guards the fields below
	ended   bool
	reason  fragments.Reason
	detail  string
	codecs  map[int]fragments.Codec
	waitKey map[int]bool

	done chan struct{}
}

// item is a frame, or a new set of tracks.
type item struct {
	frame  fragments.Frame
	tracks []fragments.Track
	bytes  int64
}

func newSession(c *Camera, rec *fragments.Recorder, tracks []fragments.Track, stop func()) *Session {
	s := &Session{c: c, rec: rec, stop: stop, q: make(chan item, c.m.queueFrames()),
		codecs: codecsOf(tracks), waitKey: map[int]bool{}, done: make(chan struct{})}
	go s.run()
	return s
}

func codecsOf(tracks []fragments.Track) map[int]fragments.Codec {
	m := make(map[int]fragments.Codec, len(tracks))
	for _, t := range tracks {
		m[t.ID] = t.Codec
	}
	return m
}

// WriteFrame queues a frame for the recorder. When the queue is full the
// frame is dropped and counted, and so are the frames of its video track
// until the next keyframe. After End it does nothing.
func (s *Session) WriteFrame(f fragments.Frame) {
	if f.Received.IsZero() {
		f.Received = time.Now()
	}
	n := frameBytes(&f)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.frames.Add(1)
	s.c.liveFrame(&f)
	if s.waitKey[f.Track] {
		if !isKeyframe(s.codecs[f.Track], &f) {
			s.dropped.Add(1)
			return
		}
		delete(s.waitKey, f.Track)
	}
	if s.queued.Load()+n <= s.c.m.queueBytes() {
		select {
		case s.q <- item{frame: f, bytes: n}:
			s.queued.Add(n)
			return
		default:
		}
	}
	s.dropped.Add(1)
	for id, c := range s.codecs {
		switch c.(type) {
		case fragments.H264, fragments.H265:
			s.waitKey[id] = true
		}
	}
	s.warnOverflow()
}

// warnOverflow logs a full queue at most once a minute.
func (s *Session) warnOverflow() {
	now := time.Now().UnixNano()
	last := s.warnedAt.Load()
	if now-last < int64(time.Minute) || !s.warnedAt.CompareAndSwap(last, now) {
		return
	}
	s.c.log.Warn("camera frames dropped: the recording queue is full (the disk is slower than the camera)",
		"camera", s.c.name, "dropped", s.dropped.Load())
}

// SetTracks replaces the session's tracks (new parameters the session
// description did not have, such as an MJPEG picture size), in order with
// the frames around it.
func (s *Session) SetTracks(tracks []fragments.Track) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.codecs = codecsOf(tracks)
	s.c.liveTracks(tracks)
	// Blocking here is rare (a size change) and keeps the order: the
	// frames after it have the new tracks.
	s.q <- item{tracks: tracks}
}

// End ends the session: the frames queued are written, then the recorder
// is closed with a gap of the reason (ReasonCameraOffline when empty).
// Only the first End counts; it returns at once (Done says when the
// recorder is closed).
func (s *Session) End(reason fragments.Reason, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if reason == "" {
		reason = fragments.ReasonCameraOffline
	}
	s.ended, s.reason, s.detail = true, reason, detail
	close(s.q)
}

// Done is closed once the session's recorder is closed.
func (s *Session) Done() <-chan struct{} { return s.done }

// Camera is the camera the session records.
func (s *Session) Camera() *Camera { return s.c }

// SessionStats are a session's counters.
type SessionStats struct {
	Frames  int64 // handed to WriteFrame
	Dropped int64 // not queued: the queue was full, or a keyframe was awaited after that
	Refused int64 // refused by the recorder as invalid
}

// Stats returns the session's counters.
func (s *Session) Stats() SessionStats {
	return SessionStats{Frames: s.frames.Load(), Dropped: s.dropped.Load(), Refused: s.refused.Load()}
}

// run writes the queue into the recorder until End, then closes it.
func (s *Session) run() {
	defer close(s.done)
	for it := range s.q {
		s.queued.Add(-it.bytes)
		if it.tracks != nil {
			if err := s.rec.SetTracks(it.tracks); err != nil {
				s.c.log.Error("camera tracks refused", "camera", s.c.name, "err", err)
			}
			continue
		}
		if err := s.rec.WriteFrame(it.frame); err != nil {
			if s.refused.Add(1) == 1 || !errors.Is(err, fragments.ErrInvalidArgument) {
				s.c.log.Warn("camera frame not recorded", "camera", s.c.name, "track", it.frame.Track, "err", err)
			}
		}
	}
	s.mu.Lock()
	reason, detail := s.reason, s.detail
	s.mu.Unlock()
	if err := s.rec.Close(reason, detail); err != nil && !errors.Is(err, fragments.ErrClosed) {
		s.c.log.Error("camera recording close", "camera", s.c.name, "err", err)
	}
	s.c.ended(s)
}

func frameBytes(f *fragments.Frame) int64 {
	n := len(f.Payload)
	for _, nalu := range f.NALUs {
		n += len(nalu)
	}
	return int64(n)
}

// isKeyframe says whether a frame can resume a video track.
func isKeyframe(c fragments.Codec, f *fragments.Frame) bool {
	for _, nalu := range f.NALUs {
		if len(nalu) == 0 {
			return false // refused by the recorder anyway
		}
	}
	switch c.(type) {
	case fragments.H264:
		return h264.IsRandomAccess(f.NALUs)
	case fragments.H265:
		return h265.IsRandomAccess(f.NALUs)
	}
	return true
}
