package hls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// Store is what HLS reads of the fragment store.
type Store interface {
	Camera(name string) (fragments.CameraInfo, error)
	Fragments(camera string, q fragments.Query) ([]fragments.Fragment, error)
	ReadFragment(camera string, n uint64) (*fragments.Media, error)
	Subscribe(camera string, buffer int) (*fragments.Subscription, error)
}

// Defaults of a Server.
const (
	// DefaultLiveFragments is how many fragments a live playlist lists:
	// some 10 s at the default 2 s fragments, as players start three
	// segments from the end.
	DefaultLiveFragments = 5
	// DefaultMaxRange bounds a past range's playlist (a day: 43,200
	// fragments of 2 s, some 4 MB of playlist).
	DefaultMaxRange = 24 * time.Hour
)

// Server serves HLS of the cameras' recordings from the fragment store:
// live, and of past ranges.
//
// Life: set the fields → Routes' handlers serve. It holds nothing of its
// own between requests.
type Server struct {
	Store  Store
	Logger *slog.Logger
	// LiveFragments is the length of a live playlist (DefaultLiveFragments).
	LiveFragments int
	// MaxRange bounds a past range (DefaultMaxRange).
	MaxRange time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Route is one of the server's HTTP routes (all of them read).
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes are the playlist, /video/{camera}/index.m3u8, and the files it
// names below /video/{camera}/hls/.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET /video/{camera}/index.m3u8", http.HandlerFunc(s.servePlaylist)},
		{"GET /video/{camera}/hls/{file}", http.HandlerFunc(s.serveFile)},
	}
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// servePlaylist serves a live playlist, or with start (and end, now by
// default) a VOD playlist of that range.
func (s *Server) servePlaylist(w http.ResponseWriter, r *http.Request) {
	camera := r.PathValue("camera")
	info, err := s.Store.Camera(camera)
	if err != nil {
		storeError(w, err)
		return
	}
	rng, err := parseRange(r.URL.Query(), s.now(), s.maxRange())
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := playlist{live: rng.live, target: info.Config.FragmentTarget}
	if rng.live {
		p.frags, err = s.live(r.Context(), camera, info, rng.msn)
	} else {
		p.frags, err = s.Store.Fragments(camera, fragments.Query{Start: rng.start, End: rng.end})
	}
	if err != nil {
		storeError(w, err)
		return
	}
	if len(p.frags) == 0 {
		msg := fmt.Sprintf("camera %q has no recording yet", camera)
		if !rng.live {
			msg = fmt.Sprintf("camera %q has no fragment between %s and %s", camera, rng.start.Format(time.RFC3339), rng.end.Format(time.RFC3339))
		}
		httpError(w, http.StatusNotFound, msg)
		return
	}
	var b bytes.Buffer
	p.write(&b)
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-cache")
	if !rng.live {
		w.Header().Set("Cache-Control", "private, max-age=60")
	}
	w.Write(b.Bytes())
}

// live returns the newest fragments, waiting first, for a blocking
// reload, until fragment msn is stored (or three targets pass), and for
// a camera without any, until its first.
func (s *Server) live(ctx context.Context, camera string, info fragments.CameraInfo, msn uint64) ([]fragments.Fragment, error) {
	n := uint64(s.liveFragments())
	wait := 3 * max(info.Config.FragmentTarget, time.Second)
	if msn == 0 && info.Next <= 1 {
		msn = 1 // nothing recorded yet: wait for the first
	}
	if msn >= info.Next {
		if err := s.waitFor(ctx, camera, msn, wait); err != nil {
			return nil, err
		}
		if info, err := s.Store.Camera(camera); err == nil {
			return s.newest(camera, info.Next, n)
		}
	}
	return s.newest(camera, info.Next, n)
}

func (s *Server) newest(camera string, next, n uint64) ([]fragments.Fragment, error) {
	after := uint64(0)
	if next > n+1 {
		after = next - n - 1
	}
	return s.Store.Fragments(camera, fragments.Query{After: after})
}

// waitFor waits until fragment n of the camera is stored, or within
// passes, or ctx ends.
func (s *Server) waitFor(ctx context.Context, camera string, n uint64, within time.Duration) error {
	sub, err := s.Store.Subscribe(camera, 8)
	if err != nil {
		return err
	}
	defer sub.Close()
	// A fragment stored while subscribing is in the store already.
	if info, err := s.Store.Camera(camera); err == nil && info.Next > n {
		return nil
	}
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-sub.C():
			if !ok || f.Number >= n {
				return nil // a lagging subscription: what is stored is answered
			}
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Server) liveFragments() int {
	if s.LiveFragments > 0 {
		return s.LiveFragments
	}
	return DefaultLiveFragments
}

func (s *Server) maxRange() time.Duration {
	if s.MaxRange > 0 {
		return s.MaxRange
	}
	return DefaultMaxRange
}

// serveFile serves a fragment or an init segment, with range requests.
// Stored fragments never change: they are cached privately (the gateway's
// credentials may guard them).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	camera := r.PathValue("camera")
	n, init, ok := parseFile(r.PathValue("file"))
	if !ok {
		httpError(w, http.StatusNotFound, fmt.Sprintf("no HLS file %q: fragments are <number>.m4s, init segments init-<number>.mp4", r.PathValue("file")))
		return
	}
	m, err := s.Store.ReadFragment(camera, n)
	if err != nil {
		if errors.Is(err, fragments.ErrCorrupt) {
			s.log().Error("hls: a stored fragment is corrupt", "camera", camera, "fragment", n, "err", err)
		}
		storeError(w, err)
		return
	}
	data := m.Data
	switch {
	case init:
		data = m.Init
	case r.URL.Query().Has("t"):
		at, err := strconv.ParseInt(r.URL.Query().Get("t"), 10, 64)
		if err != nil || at < 0 || at > int64(maxTimeline) {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("t %q is not a time in nanoseconds within %v", r.URL.Query().Get("t"), maxTimeline))
			return
		}
		if data, err = retime(m, time.Duration(at)); err != nil {
			storeError(w, err)
			return
		}
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	http.ServeContent(w, r, "", m.Server, bytes.NewReader(data))
}

// maxTimeline bounds where a past range's segment may be moved to: far
// beyond a range's playlist (a day), far within what decode times hold.
const maxTimeline = 1000 * 24 * time.Hour

// span is a playlist request: live (with a blocking reload's media
// sequence number) or a past range.
type span struct {
	live       bool
	msn        uint64
	start, end time.Time
}

// parseRange reads a playlist's query: start and end (RFC 3339; end is
// now when left out) for a past range, or none for live, with _HLS_msn
// (and _HLS_part, which is ignored: there are no parts) for a blocking
// reload.
func parseRange(q url.Values, now time.Time, maxRange time.Duration) (span, error) {
	start, end := q.Get("start"), q.Get("end")
	if start == "" && end == "" {
		sp := span{live: true}
		if v := q.Get("_HLS_msn"); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return sp, fmt.Errorf("_HLS_msn %q is not a media sequence number", v)
			}
			sp.msn = n
		}
		return sp, nil
	}
	if start == "" {
		return span{}, errors.New("end without start: a past range needs start (RFC 3339)")
	}
	sp := span{end: now}
	var err error
	if sp.start, err = time.Parse(time.RFC3339Nano, start); err != nil {
		return sp, fmt.Errorf("start %q is not an RFC 3339 time, as in 2026-01-02T15:04:05Z", start)
	}
	if end != "" {
		if sp.end, err = time.Parse(time.RFC3339Nano, end); err != nil {
			return sp, fmt.Errorf("end %q is not an RFC 3339 time, as in 2026-01-02T15:04:05Z", end)
		}
	}
	switch {
	case !sp.end.After(sp.start):
		return sp, fmt.Errorf("end %s is not after start %s", sp.end.Format(time.RFC3339Nano), sp.start.Format(time.RFC3339Nano))
	case sp.end.Sub(sp.start) > maxRange:
		return sp, fmt.Errorf("the range %s … %s is longer than %v", sp.start.Format(time.RFC3339), sp.end.Format(time.RFC3339), maxRange)
	}
	return sp, nil
}

func storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, fragments.ErrNotFound):
		httpError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, fragments.ErrClosed), errors.Is(err, context.Canceled):
		httpError(w, http.StatusServiceUnavailable, err.Error())
	default:
		httpError(w, http.StatusInternalServerError, err.Error())
	}
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}
