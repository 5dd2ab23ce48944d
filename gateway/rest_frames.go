package gateway

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/video/frames"
)

// Frames for ML: GET /api/v1/cameras/{camera}/frames?start=&end=&every=
// (&keyframes=true&width=&height=&quality=&clock=&format=json|multipart&limit=).
// JSON is one object whose images (base64 JPEG) are streamed as they are
// decoded, for a range that ends; multipart (multipart/mixed, one
// image/jpeg part per picture, its tags in headers) also streams live,
// from start (now by default) on, for as long as the client reads.

// Limits of a JSON answer.
const (
	defaultFrameLimit = 1000
	maxFrameLimit     = 100000
)

// frameView is a picture in a JSON answer.
type frameView struct {
	Fragment uint64     `json:"fragment_number"`
	Index    int        `json:"frame_index"`
	Server   time.Time  `json:"server_timestamp"`
	Producer *time.Time `json:"producer_timestamp,omitempty"`
	Keyframe bool       `json:"keyframe"`
	Width    int        `json:"width"`
	Height   int        `json:"height"`
	Image    string     `json:"image"` // base64 JPEG
}

func (g *Gateway) getFrames(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var p params
	req := frames.Request{Camera: r.PathValue("camera"), Start: p.time(q, "start"), End: p.time(q, "end"),
		ByProducer: q.Get("clock") == "producer", Every: p.duration(q, "every"), Keyframes: p.bool(q, "keyframes"),
		Width: int(p.uint(q, "width", 0, frames.MaxWidth)), Height: int(p.uint(q, "height", 0, frames.MaxHeight)),
		Quality: int(p.uint(q, "quality", 0, 100))}
	limit := int(p.uint(q, "limit", defaultFrameLimit, maxFrameLimit))
	format := q.Get("format")
	switch {
	case format != "" && format != "json" && format != "multipart":
		p.fail("format", "%q: json or multipart", format)
	case q.Has("clock") && q.Get("clock") != "producer" && q.Get("clock") != "server":
		p.fail("clock", "%q: server or producer", q.Get("clock"))
	case format != "multipart" && req.End.IsZero():
		p.fail("end", "a JSON answer needs an end; ask format=multipart for a live stream")
	}
	if req.Start.IsZero() {
		req.Start = time.Now()
	}
	if p.err != nil {
		videoError(w, p.err)
		return
	}
	if err := g.video.frames.Check(req.Camera); err != nil {
		videoError(w, err)
		return
	}
	if format == "multipart" {
		g.framesMultipart(w, r, req)
		return
	}
	g.framesJSON(w, r, req, limit)
}

// framesJSON streams {"camera": …, "images": [ … ], "next_start": …,
// "error": …}: the images as they come, next_start when the limit cut the
// range short (the start= of the next request), and error when the
// extraction failed after the answer began.
func (g *Gateway) framesJSON(w http.ResponseWriter, r *http.Request, req frames.Request, limit int) {
	w.Header().Set("Content-Type", "application/json")
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	started, n := false, 0
	var next time.Time
	begin := func() {
		if !started {
			started = true
			w.WriteHeader(http.StatusOK)
			fmt.Fprintf(w, `{"camera":%s,"images":[`, quoteJSON(req.Camera))
		}
	}
	errDone := fmt.Errorf("limit reached")
	err := g.video.frames.Extract(r.Context(), req, func(im frames.Image) error {
		if n == limit {
			next = nextInstant(req, im.Server)
			return errDone
		}
		begin()
		if n > 0 {
			w.Write([]byte{','})
		}
		n++
		if err := enc.Encode(frameView{Fragment: im.Fragment, Index: im.Index, Server: im.Server, Producer: timePtr(im.Producer),
			Keyframe: im.Keyframe, Width: im.Width, Height: im.Height, Image: base64.StdEncoding.EncodeToString(im.JPEG)}); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && err != errDone && !started {
		videoError(w, err)
		return
	}
	begin()
	w.Write([]byte{']'})
	if !next.IsZero() {
		fmt.Fprintf(w, `,"next_start":%q`, next.Format(time.RFC3339Nano))
	}
	if err != nil && err != errDone && r.Context().Err() == nil {
		fmt.Fprintf(w, `,"error":%s`, quoteJSON(err.Error()))
	}
	w.Write([]byte("}\n"))
}

// nextInstant is where a request cut short at a picture of time t goes
// on: the sampling instant after t.
func nextInstant(req frames.Request, t time.Time) time.Time {
	if req.Every == 0 {
		return t
	}
	return req.Start.Add((t.Sub(req.Start) / req.Every) * req.Every)
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// framesMultipart streams one image/jpeg part per picture, then a last
// application/json part that says how the stream ended: {} when the range
// ended, {"error": …} when the extraction failed. Each part is followed at
// once by the delimiter that opens the next one, so that a multipart
// reader has a picture as soon as it is sent, not when the next begins.
func (g *Gateway) framesMultipart(w http.ResponseWriter, r *http.Request, req frames.Request) {
	boundary := multipart.NewWriter(io.Discard).Boundary()
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "--%s\r\n", boundary)
	bw.Flush()
	rc.Flush()
	err := g.video.frames.Extract(r.Context(), req, func(im frames.Image) error {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", "image/jpeg")
		h.Set("Content-Length", strconv.Itoa(len(im.JPEG)))
		h.Set("X-Camera", im.Camera)
		h.Set("X-Fragment-Number", strconv.FormatUint(im.Fragment, 10))
		h.Set("X-Frame-Index", strconv.Itoa(im.Index))
		h.Set("X-Server-Timestamp", im.Server.Format(time.RFC3339Nano))
		if !im.Producer.IsZero() {
			h.Set("X-Producer-Timestamp", im.Producer.Format(time.RFC3339Nano))
		}
		h.Set("X-Keyframe", strconv.FormatBool(im.Keyframe))
		h.Set("X-Width", strconv.Itoa(im.Width))
		h.Set("X-Height", strconv.Itoa(im.Height))
		writePartHeader(bw, h)
		bw.Write(im.JPEG)
		fmt.Fprintf(bw, "\r\n--%s\r\n", boundary)
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	})
	if r.Context().Err() != nil {
		return
	}
	end := "{}"
	if err != nil {
		end = `{"error":` + quoteJSON(err.Error()) + "}"
	}
	writePartHeader(bw, textproto.MIMEHeader{"Content-Type": {"application/json"}})
	fmt.Fprintf(bw, "%s\r\n--%s--\r\n", end, boundary)
	bw.Flush()
}

// writePartHeader writes a part's header lines, in a stable order, and the
// blank line after them.
func writePartHeader(w io.Writer, h textproto.MIMEHeader) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s: %s\r\n", k, v)
		}
	}
	io.WriteString(w, "\r\n")
}
