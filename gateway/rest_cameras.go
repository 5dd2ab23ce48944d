package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/gateway/api/kvsapi"
	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/frames"
)

// The cameras of the REST API: what is recorded, its fragments and gaps,
// clips, the media feed and frames for ML. Times are RFC 3339.

func (g *Gateway) cameraRoutes() []route {
	var kvs []route
	// The Kinesis Video Streams API: one path per operation, SigV4 for
	// the service "kinesisvideo", checked by the API itself.
	for _, p := range kvsapi.Paths() {
		kvs = append(kvs, route{"POST " + p, accessAWS, g.video.kvs})
	}
	return append(kvs, []route{
		{"GET /api/v1/cameras", accessGateway, http.HandlerFunc(g.listCameras)},
		{"GET /api/v1/cameras/{camera}", accessGateway, http.HandlerFunc(g.getCamera)},
		{"GET /api/v1/cameras/{camera}/fragments", accessGateway, http.HandlerFunc(g.listFragments)},
		{"GET /api/v1/cameras/{camera}/clip.mp4", accessGateway, http.HandlerFunc(g.getClip)},
		{"GET /api/v1/cameras/{camera}/media", accessGateway, http.HandlerFunc(g.getMedia)},
		{"GET /api/v1/cameras/{camera}/frames", accessGateway, http.HandlerFunc(g.getFrames)},
	}...)
}

// cameraView is a camera as the REST API shows it: its configuration and
// session (when it runs) and its recording.
type cameraView struct {
	Name string `json:"name"`
	// Running: declared in cameras:, or created by a publisher, and not
	// removed since. A camera removed from the configuration keeps its
	// recording, listed with running false.
	Running           bool       `json:"running"`
	Source            string     `json:"source,omitempty"` // any password masked
	Type              string     `json:"type,omitempty"`
	Published         bool       `json:"published,omitempty"` // created by a publisher to a new path
	Recording         bool       `json:"recording"`
	Sessions          int64      `json:"sessions"`
	LastSessionEnd    *time.Time `json:"last_session_end,omitempty"`
	LastSessionReason string     `json:"last_session_reason,omitempty"`
	Codecs            string     `json:"codecs,omitempty"`
	Oldest            *time.Time `json:"oldest,omitempty"`
	Newest            *time.Time `json:"newest,omitempty"`
	NextFragment      uint64     `json:"next_fragment_number"`
	StorageBytes      int64      `json:"storage_bytes"`
	Segments          int        `json:"segments"`
	OpenGap           *gapView   `json:"open_gap,omitempty"`
	FragmentMillis    int64      `json:"fragment_ms"`
	RetentionSeconds  int64      `json:"retention_seconds"` // 0: no age limit
	MaxBytes          int64      `json:"max_bytes"`         // 0: no cap
	OnFull            string     `json:"on_full"`
	FramesReceived    int64      `json:"frames_received"` // since the gateway started
	FramesDropped     int64      `json:"frames_dropped"`
	FragmentsWritten  int64      `json:"fragments_written"`
	BytesWritten      int64      `json:"bytes_written"`
}

type gapView struct {
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end"` // null while the recording has not resumed
	Reason string     `json:"reason"`
	Detail string     `json:"detail,omitempty"`
}

type fragmentView struct {
	Number     uint64     `json:"fragment_number"`
	Server     time.Time  `json:"server_timestamp"`
	Producer   *time.Time `json:"producer_timestamp,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	SizeBytes  int64      `json:"size_bytes"`
	Frames     int        `json:"frames"`
	Keyframes  int        `json:"keyframes"`
}

func viewGap(g fragments.Gap) gapView {
	return gapView{Start: g.Start, End: timePtr(g.End), Reason: string(g.Reason), Detail: g.Detail}
}

func viewFragment(f fragments.Fragment) fragmentView {
	return fragmentView{Number: f.Number, Server: f.Server, Producer: timePtr(f.Producer), DurationMS: f.Duration.Milliseconds(),
		SizeBytes: f.Size, Frames: f.Frames, Keyframes: f.Keyframes}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func viewCamera(info fragments.CameraInfo, st *cameras.Status) cameraView {
	c := info.Config
	v := cameraView{Name: info.Name, Recording: info.Recording, Codecs: info.Codecs, Oldest: timePtr(info.Oldest),
		Newest: timePtr(info.Newest), NextFragment: info.Next, StorageBytes: info.Bytes, Segments: info.Segments,
		FragmentMillis: c.FragmentTarget.Milliseconds(), RetentionSeconds: int64(c.Retention / time.Second),
		MaxBytes: c.MaxBytes, OnFull: string(c.OnFull), FramesReceived: info.Stats.FramesReceived,
		FramesDropped: info.Stats.FramesDropped, FragmentsWritten: info.Stats.Fragments, BytesWritten: info.Stats.BytesWritten}
	if info.OpenGap != nil {
		gv := viewGap(*info.OpenGap)
		v.OpenGap = &gv
	}
	if st != nil {
		v.Running, v.Source, v.Type, v.Published, v.Sessions = true, st.Source, st.Type, st.Auto, st.Sessions
		v.LastSessionEnd, v.LastSessionReason = timePtr(st.LastEnd), st.LastReason
		v.FramesDropped += st.Total.Dropped // dropped by the session's queue, before the store
	}
	return v
}

func (g *Gateway) cameraViews() []cameraView {
	running := map[string]*cameras.Status{}
	for _, st := range g.video.cams.Cameras() {
		running[st.Name] = &st
	}
	var out []cameraView
	for _, info := range g.video.store.Cameras() {
		out = append(out, viewCamera(info, running[info.Name]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (g *Gateway) listCameras(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"cameras": g.cameraViews()})
}

func (g *Gateway) getCamera(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	for _, v := range g.cameraViews() {
		if v.Name == name {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	videoError(w, fmt.Errorf("%w: camera %q", fragments.ErrNotFound, name))
}

// Paging of the fragment list.
const (
	defaultFragmentLimit = 1000
	maxFragmentLimit     = 10000
)

func (g *Gateway) listFragments(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	q := r.URL.Query()
	var p params
	start, end := p.time(q, "start"), p.time(q, "end")
	after := p.uint(q, "after", 0, 1<<63)
	limit := p.uint(q, "limit", defaultFragmentLimit, maxFragmentLimit)
	if p.err != nil {
		videoError(w, p.err)
		return
	}
	frs, err := g.video.store.Fragments(name, fragments.Query{Start: start, End: end, After: after, Limit: int(limit) + 1})
	if err != nil {
		videoError(w, err)
		return
	}
	gaps, err := g.video.store.Gaps(name, start, end)
	if err != nil {
		videoError(w, err)
		return
	}
	out := struct {
		Camera    string         `json:"camera"`
		Fragments []fragmentView `json:"fragments"`
		Gaps      []gapView      `json:"gaps"`
		// NextAfter, when set, is the after= of the next page.
		NextAfter uint64 `json:"next_after,omitempty"`
	}{Camera: name, Fragments: []fragmentView{}, Gaps: []gapView{}}
	if len(frs) > int(limit) {
		frs = frs[:limit]
		out.NextAfter = frs[len(frs)-1].Number
	}
	for _, f := range frs {
		out.Fragments = append(out.Fragments, viewFragment(f))
	}
	for _, gp := range gaps {
		out.Gaps = append(out.Gaps, viewGap(gp))
	}
	writeJSON(w, http.StatusOK, out)
}

// params reads query parameters, keeping the first error.
type params struct{ err error }

func (p *params) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: %s: %s", errBadParam, name, fmt.Sprintf(format, args...))
	}
}

// errBadParam is a query parameter the API cannot read: HTTP 400.
var errBadParam = errors.New("bad query parameter")

// time reads an RFC 3339 time; absent is zero.
func (p *params) time(q url.Values, name string) time.Time {
	s := q.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(name, "%q is not an RFC 3339 time (2026-12-07T18:20:00Z)", s)
	}
	return t
}

func (p *params) uint(q url.Values, name string, def, limit uint64) uint64 {
	s := q.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		p.fail(name, "%q is not a whole number up to %d", s, limit)
	}
	return n
}

func (p *params) duration(q url.Values, name string) time.Duration {
	s := q.Get(name)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.fail(name, "%q is not a duration (1s, 200ms, 0 for every frame)", s)
	}
	return d
}

func (p *params) bool(q url.Values, name string) bool {
	s := q.Get(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.fail(name, "%q is not true or false", s)
	}
	return b
}

// videoError answers a video read that failed, before anything of the
// answer was sent.
func videoError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, fragments.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, errBadParam), errors.Is(err, fragments.ErrInvalidArgument), errors.Is(err, frames.ErrInvalidArgument):
		status = http.StatusBadRequest
	case errors.Is(err, frames.ErrNoDecoder):
		status = http.StatusNotImplemented
	case errors.Is(err, frames.ErrNoVideo):
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
