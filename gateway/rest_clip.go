package gateway

import (
	"fmt"
	"net/http"
)

// getClip streams a progressive MP4 of a range: the sample tables first
// (the moov, built before anything is sent, so that a range with nothing
// in it is a 404), then the samples read from the segment files as they
// are written out. A read that fails once the MP4 has begun aborts the
// connection: the client sees a broken transfer, never a short file that
// looks whole.
func (g *Gateway) getClip(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("camera")
	q := r.URL.Query()
	var p params
	start, end := p.time(q, "start"), p.time(q, "end")
	switch {
	case p.err != nil:
	case start.IsZero() || end.IsZero():
		p.fail("start and end", "both are needed")
	case !end.After(start):
		p.fail("end", "%s is not after start %s", q.Get("end"), q.Get("start"))
	}
	if p.err != nil {
		videoError(w, p.err)
		return
	}
	cw := &clipWriter{w: w, name: fmt.Sprintf("%s-%s.mp4", name, start.UTC().Format("20060102T150405Z"))}
	if _, err := g.video.store.WriteClip(r.Context(), cw, name, start, end); err != nil {
		if !cw.started {
			videoError(w, err)
			return
		}
		g.logger.Warn("clip: aborted after it began", "camera", name, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// clipWriter sends the headers of a clip with its first bytes.
type clipWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (c *clipWriter) Write(b []byte) (int, error) {
	if !c.started {
		c.started = true
		h := c.w.Header()
		h.Set("Content-Type", "video/mp4")
		h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", c.name))
		c.w.WriteHeader(http.StatusOK)
	}
	return c.w.Write(b)
}
