package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/mkv"
)

// mediaGrace is how long after end= a media feed waits for the fragments
// that began before it (a fragment is stored when it ends).
const mediaGrace = 10 * time.Second

// getMedia is the GetMedia shape over REST: a camera's fragments as one
// Matroska stream, from a start (fragment=N, or start=earliest, now or an
// RFC 3339 time; now by default), each fragment followed by its tags
// (number, server and producer timestamps, how far behind now it is, and
// the fragment= to continue from), then new fragments as they are stored,
// until end= (if given) or the client leaves. It reads from the store, so
// a slow consumer only falls behind; it never holds the recording back.
func (g *Gateway) getMedia(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	q := r.URL.Query()
	var p params
	var start fragments.Start
	switch s := q.Get("start"); {
	case q.Has("fragment"):
		start.Number = p.uint(q, "fragment", 1, 1<<63)
		if start.Number == 0 {
			p.fail("fragment", "fragment numbers start at 1")
		}
	case s == "earliest":
		start.Earliest = true
	case s == "" || s == "now":
		start.Now = true
	default:
		start.Time = p.time(q, "start")
	}
	end := p.time(q, "end")
	if p.err != nil {
		videoError(w, p.err)
		return
	}
	f, err := g.video.store.Follow(name, start)
	if err != nil {
		videoError(w, err)
		return
	}
	ctx := r.Context()
	if !end.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, end.Add(mediaGrace))
		defer cancel()
	}
	w.Header().Set("Content-Type", "video/x-matroska")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	err = mkv.Feed(ctx, w, func() { rc.Flush() }, f, end, "tidegate "+g.version, g.logger.With("camera", name))
	if err != nil && r.Context().Err() == nil {
		g.logger.Warn("media feed: stopped", "camera", name, "err", err)
		panic(http.ErrAbortHandler) // half a fragment may be on the wire
	}
}
