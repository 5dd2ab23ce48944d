package cameras

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// Camera is one running camera: its source, and the session recording now.
type Camera struct {
	m       *Manager
	name    string
	spec    Spec
	typ     SourceType
	auto    bool // created by a publisher, not declared
	log     *slog.Logger
	src     Source
	cancel  context.CancelFunc
	done    chan struct{} // closed when the source's Run returns
	unwatch func()

	beginMu sync.Mutex // serialises Begin, so that one session ends before the next starts

	liveMu      sync.Mutex // guards live and liveStopped; taken last
	live        liveHub
	liveStopped bool

	mu         sync.Mutex // guards the fields below
	session    *Session
	stopped    bool
	stopReason fragments.Reason
	stopDetail string
	sessions   int64
	past       SessionStats // of the sessions that ended
	lastEnd    time.Time
	lastReason string
}

// Name is the camera's name: its video stream in the store.
func (c *Camera) Name() string { return c.name }

// Logger is the gateway's logger.
func (c *Camera) Logger() *slog.Logger { return c.log }

// Begin starts a session with the tracks of a session description. A
// session still running is ended first (a reconnect, a publisher that
// replaces another): stop, if not nil, is how the session's protocol is
// told to hang up when a newer session or the camera's stop ends it.
func (c *Camera) Begin(tracks []fragments.Track, stop func()) (*Session, error) {
	c.beginMu.Lock()
	defer c.beginMu.Unlock()
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil, fmt.Errorf("camera %q: %w", c.name, ErrStopped)
	}
	prev := c.session
	c.mu.Unlock()
	if prev != nil {
		prev.End(fragments.ReasonNetwork, "replaced by a new session")
		if prev.stop != nil {
			prev.stop()
		}
		<-prev.done
	}
	rec, err := c.m.Store.Record(c.name, tracks)
	if err != nil {
		return nil, err
	}
	s := newSession(c, rec, tracks, stop)
	c.mu.Lock()
	c.session = s
	c.sessions++
	stopped, reason, detail := c.stopped, c.stopReason, c.stopDetail
	c.mu.Unlock()
	if stopped {
		// stop ran while the recorder opened: it waits for this one too.
		s.End(reason, detail)
		return nil, fmt.Errorf("camera %q: %w", c.name, ErrStopped)
	}
	c.liveTracks(tracks)
	return s, nil
}

// ended is the session's last word: its recorder is closed.
func (c *Camera) ended(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == s {
		c.session = nil
		c.liveTracks(nil)
	}
	st := s.Stats()
	c.past.Frames += st.Frames
	c.past.Dropped += st.Dropped
	c.past.Refused += st.Refused
	c.lastEnd, c.lastReason = time.Now(), string(s.reason)
	if s.detail != "" {
		c.lastReason += ": " + s.detail
	}
}

// start runs the source.
func (c *Camera) start() {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		c.src.Run(ctx, c)
	}()
}

// stop stops the source and ends the session with a gap of the reason,
// and returns once its recorder is closed.
func (c *Camera) stop(reason fragments.Reason, detail string) {
	c.mu.Lock()
	first := !c.stopped
	c.stopped, c.stopReason, c.stopDetail = true, reason, detail
	s := c.session
	c.mu.Unlock()
	// The session ends with this reason before the source hears of the
	// stop and ends it with its own.
	if s != nil {
		s.End(reason, detail)
	}
	c.cancel()
	if s != nil {
		if s.stop != nil {
			s.stop()
		}
		<-s.done
	}
	<-c.done
	// A Begin that raced with the stop ended its own session.
	c.mu.Lock()
	s = c.session
	c.mu.Unlock()
	if s != nil {
		<-s.done
	}
	if first && c.unwatch != nil {
		c.unwatch()
	}
	c.stopLive()
}

// Status describes a running camera.
type Status struct {
	Name string
	// Source is the `source:` value with any password masked.
	Source    string
	Type      string
	Auto      bool // created by a publisher
	Recording bool
	Sessions  int64 // begun since the camera started
	// LastEnd and LastReason say when and why the last session ended.
	LastEnd    time.Time
	LastReason string
	Session    SessionStats // of the current session
	Total      SessionStats // of every session since the camera started
}

func (c *Camera) status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Status{Name: c.name, Source: MaskSource(c.spec.Source), Type: c.typ.Name, Auto: c.auto,
		Recording: c.session != nil, Sessions: c.sessions, LastEnd: c.lastEnd, LastReason: c.lastReason}
	st.Total = c.past
	if c.session != nil {
		st.Session = c.session.Stats()
		st.Total.Frames += st.Session.Frames
		st.Total.Dropped += st.Session.Dropped
		st.Total.Refused += st.Session.Refused
	}
	return st
}

// MaskSource returns a source with the password of its URL, if any,
// masked, for logs and status.
func MaskSource(source string) string {
	u, err := url.Parse(source)
	if err == nil {
		return u.Redacted()
	}
	// A URL that does not parse may still hold a password: mask the user
	// information by hand.
	scheme, rest, ok := strings.Cut(source, "://")
	if !ok {
		return source
	}
	host, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(host, "@")
	if at < 0 {
		return source
	}
	user, _, hasPass := strings.Cut(host[:at], ":")
	if !hasPass {
		return source
	}
	masked := scheme + "://" + user + ":xxxxx" + host[at:]
	if len(rest) > len(host) {
		masked += "/" + path
	}
	return masked
}

// sourcePassword returns the password of a source URL's user information,
// parsed or not.
func sourcePassword(source string) string {
	if u, err := url.Parse(source); err == nil {
		p, _ := u.User.Password()
		return p
	}
	_, rest, _ := strings.Cut(source, "://")
	host, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(host, "@"); at >= 0 {
		_, p, _ := strings.Cut(host[:at], ":")
		return p
	}
	return ""
}

// ScrubSource returns text (an error about a source) without the source's
// password.
func ScrubSource(text, source string) string {
	if p := sourcePassword(source); p != "" {
		text = strings.ReplaceAll(text, p, "xxxxx")
	}
	return text
}
