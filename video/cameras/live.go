package cameras

import (
	"errors"

	"github.com/tidegate/tidegate/video/fragments"
)

// ErrLagged: a live viewer missed a change of tracks because its buffer
// was full, and was dropped.
var ErrLagged = errors.New("live viewer fell behind")

// LiveItem is what a live viewer gets: a session's tracks (when it begins
// and when they change), then its frames, then its end.
type LiveItem struct {
	// Tracks, when not nil, are the tracks of the frames that follow.
	Tracks []fragments.Track
	// Frame is a frame as the ingest hands it to the recorder. It is
	// shared with the recorder and the other viewers: read it, never
	// change it.
	Frame *fragments.Frame
	// Ended: the session ended; another may begin (a publisher coming
	// back, a reconnect), with Tracks again.
	Ended bool
}

// Live is a live view of a camera: its frames as they arrive, before the
// recorder makes fragments of them, for viewers that want them now
// (WebRTC playback) rather than once they are durable (Follow). A viewer
// never holds the ingest back: a frame that does not fit its buffer is
// dropped, and so are the following ones until a keyframe of a video
// track, so that what it gets still decodes.
type Live struct {
	c  *Camera
	ch chan LiveItem

	// guarded by Camera.liveMu
	err     error
	waitKey bool
	closed  bool
}

// liveHub is a camera's live viewers, and the tracks of its session.
type liveHub struct {
	viewers map[*Live]struct{}
	tracks  []fragments.Track
	codecs  map[int]fragments.Codec
	video   bool // a track is video: viewers resume at its keyframes
}

// Watch returns a live view of the camera with room for buffer items (at
// least 1). When a session is running, its tracks come first; its frames
// then start at the next keyframe.
func (c *Camera) Watch(buffer int) *Live {
	l := &Live{c: c, ch: make(chan LiveItem, max(2, buffer))}
	c.liveMu.Lock()
	defer c.liveMu.Unlock()
	if c.liveStopped {
		l.closed = true
		close(l.ch)
		return l
	}
	if c.live.viewers == nil {
		c.live.viewers = map[*Live]struct{}{}
	}
	c.live.viewers[l] = struct{}{}
	if c.live.tracks != nil {
		l.ch <- LiveItem{Tracks: c.live.tracks}
		l.waitKey = true
	}
	return l
}

// C delivers the items; it is closed when the view ends: Close, the
// camera stopped, or the viewer fell behind a change of tracks (Err).
func (l *Live) C() <-chan LiveItem { return l.ch }

// Err says why C was closed: ErrLagged, ErrStopped, or nil after Close.
func (l *Live) Err() error {
	l.c.liveMu.Lock()
	defer l.c.liveMu.Unlock()
	return l.err
}

// Close ends the view.
func (l *Live) Close() {
	l.c.liveMu.Lock()
	defer l.c.liveMu.Unlock()
	l.endLocked(nil)
}

func (l *Live) endLocked(err error) {
	if l.closed {
		return
	}
	l.closed, l.err = true, err
	delete(l.c.live.viewers, l)
	close(l.ch)
}

// liveTracks tells the viewers of a session's new tracks; nil tracks
// tell them the session ended.
func (c *Camera) liveTracks(tracks []fragments.Track) {
	c.liveMu.Lock()
	defer c.liveMu.Unlock()
	c.live.tracks = tracks
	c.live.codecs = codecsOf(tracks)
	c.live.video = false
	for _, t := range tracks {
		c.live.video = c.live.video || isVideo(t.Codec)
	}
	it := LiveItem{Tracks: tracks, Ended: tracks == nil}
	for l := range c.live.viewers {
		select {
		case l.ch <- it:
			l.waitKey = !it.Ended
		default:
			l.endLocked(ErrLagged) // a change of tracks cannot be skipped
		}
	}
}

// liveFrame offers a frame to the viewers without waiting.
func (c *Camera) liveFrame(f *fragments.Frame) {
	c.liveMu.Lock()
	defer c.liveMu.Unlock()
	if len(c.live.viewers) == 0 {
		return
	}
	var key, keyKnown bool
	for l := range c.live.viewers {
		if l.waitKey {
			if !keyKnown {
				codec := c.live.codecs[f.Track]
				key, keyKnown = (isVideo(codec) || !c.live.video) && isKeyframe(codec, f), true
			}
			if !key {
				continue
			}
		}
		select {
		case l.ch <- LiveItem{Frame: f}:
			l.waitKey = false
		default:
			l.waitKey = true
		}
	}
}

// stopLive ends every view: the camera stopped.
func (c *Camera) stopLive() {
	c.liveMu.Lock()
	defer c.liveMu.Unlock()
	c.liveStopped = true
	for l := range c.live.viewers {
		l.endLocked(ErrStopped)
	}
}

func isVideo(c fragments.Codec) bool {
	switch c.(type) {
	case fragments.H264, fragments.H265, fragments.MJPEG:
		return true
	}
	return false
}
