package kvsapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/video/frames"
)

type getImagesInput struct {
	streamRef
	ImageSelectorType string            `json:"ImageSelectorType"`
	StartTimestamp    *timestamp        `json:"StartTimestamp"`
	EndTimestamp      *timestamp        `json:"EndTimestamp"`
	SamplingInterval  *int64            `json:"SamplingInterval"`
	Format            string            `json:"Format"`
	FormatConfig      map[string]string `json:"FormatConfig"`
	WidthPixels       *int              `json:"WidthPixels"`
	HeightPixels      *int              `json:"HeightPixels"`
	MaxResults        *int64            `json:"MaxResults"`
	NextToken         string            `json:"NextToken"`
}

type imageOut struct {
	TimeStamp    *timestamp `json:"TimeStamp"`
	Error        string     `json:"Error,omitempty"`
	ImageContent string     `json:"ImageContent,omitempty"`
}

type getImagesOutput struct {
	Images    []imageOut `json:"Images"`
	NextToken string     `json:"NextToken,omitempty"`
}

// defaultImages is the page size Kinesis Video Streams gives by default.
const defaultImages = 25

// errPageFull stops an extraction once a page is full.
var errPageFull = errors.New("page full")

// getImages is GetImages: one entry per sampling instant of the range
// (both ends included), the picture of the first frame at or after it,
// or Error NO_MEDIA when no frame comes before the next instant; without
// a SamplingInterval, every frame. Any interval is taken, not only 200 ms
// and above. NextToken is where the next page starts.
func (a *API) getImages(r *http.Request, in *getImagesInput) (*getImagesOutput, error) {
	c, err := a.camera(in.streamRef)
	if err != nil {
		return nil, err
	}
	req, format, limit, err := a.imagesRequest(c.Name, in)
	if err != nil {
		return nil, err
	}
	if !req.End.After(req.Start) {
		return &getImagesOutput{Images: []imageOut{}}, nil
	}
	p := page{req: req, limit: limit, format: format, out: &getImagesOutput{Images: []imageOut{}}}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	err = a.Frames.Extract(ctx, req, p.add)
	if err != nil && !errors.Is(err, errPageFull) {
		return nil, err
	}
	if err == nil {
		p.noMedia(req.End) // the instants after the last picture
	}
	return p.out, nil
}

func (a *API) imagesRequest(camera string, in *getImagesInput) (frames.Request, string, int, error) {
	req := frames.Request{Camera: camera, Quality: 80}
	switch in.ImageSelectorType {
	case "SERVER_TIMESTAMP":
	case "PRODUCER_TIMESTAMP":
		req.ByProducer = true
	default:
		return req, "", 0, invalid("ImageSelectorType %q is not SERVER_TIMESTAMP or PRODUCER_TIMESTAMP", awsjson.Truncate(in.ImageSelectorType, 100))
	}
	if in.StartTimestamp == nil || in.EndTimestamp == nil {
		return req, "", 0, invalid("StartTimestamp and EndTimestamp are required")
	}
	req.Start, req.End = in.StartTimestamp.Time, in.EndTimestamp.Time.Add(time.Nanosecond) // End is inclusive
	if req.End.Before(req.Start) {
		return req, "", 0, invalid("EndTimestamp is before StartTimestamp")
	}
	if now := a.now(); req.End.After(now) {
		req.End = now // what is recorded; no waiting for more
	}
	if in.SamplingInterval != nil {
		if *in.SamplingInterval < 1 {
			return req, "", 0, invalid("SamplingInterval %d is not a positive number of milliseconds", *in.SamplingInterval)
		}
		req.Every = time.Duration(*in.SamplingInterval) * time.Millisecond
	}
	if in.Format != "JPEG" && in.Format != "PNG" {
		return req, "", 0, invalid("Format %q is not JPEG or PNG", awsjson.Truncate(in.Format, 100))
	}
	for k, v := range in.FormatConfig {
		q, err := strconv.Atoi(v)
		if k != "JPEGQuality" || err != nil || q < 1 || q > 100 {
			return req, "", 0, invalid("FormatConfig takes JPEGQuality from 1 to 100, not %s=%s", awsjson.Truncate(k, 50), awsjson.Truncate(v, 50))
		}
		req.Quality = q
	}
	if w := in.WidthPixels; w != nil {
		if *w < 1 || *w > frames.MaxWidth {
			return req, "", 0, invalid("WidthPixels %d is not between 1 and %d", *w, frames.MaxWidth)
		}
		req.Width = *w
	}
	if h := in.HeightPixels; h != nil {
		if *h < 1 || *h > frames.MaxHeight {
			return req, "", 0, invalid("HeightPixels %d is not between 1 and %d", *h, frames.MaxHeight)
		}
		req.Height = *h
	}
	limit := defaultImages
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return req, "", 0, invalid("MaxResults %d is not between 1 and 100", *in.MaxResults)
		}
		limit = int(*in.MaxResults)
	}
	if in.NextToken != "" {
		b, err := base64.StdEncoding.DecodeString(in.NextToken)
		n, perr := strconv.ParseInt(strings.TrimPrefix(string(b), "img "), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "img ") {
			return req, "", 0, invalid("NextToken is not one this API gave")
		}
		next := time.Unix(0, n).UTC()
		if next.Before(req.Start) || next.After(req.End) {
			return req, "", 0, invalid("NextToken is outside the range asked")
		}
		req.Start = next
	}
	return req, in.Format, limit, nil
}

// page gathers one answer of GetImages.
type page struct {
	req    frames.Request
	limit  int
	format string
	out    *getImagesOutput
	next   int64 // the index of the next sampling instant without an entry
}

func (p *page) instant(i int64) time.Time { return p.req.Start.Add(time.Duration(i) * p.req.Every) }

// noMedia adds a NO_MEDIA entry for each instant before t; false once the
// page is full.
func (p *page) noMedia(t time.Time) bool {
	if p.req.Every == 0 {
		return true
	}
	for ; p.instant(p.next).Before(t); p.next++ {
		if len(p.out.Images) == p.limit {
			p.out.NextToken = imagesToken(p.instant(p.next))
			return false
		}
		p.out.Images = append(p.out.Images, imageOut{TimeStamp: stamp(p.instant(p.next)), Error: "NO_MEDIA"})
	}
	return true
}

func (p *page) add(im frames.Image) error {
	at := im.Server
	if p.req.ByProducer {
		at = im.Producer
	}
	own := at // the instant the picture stands for
	if p.req.Every > 0 {
		own = p.instant(int64(at.Sub(p.req.Start) / p.req.Every))
	}
	if !p.noMedia(own) {
		return errPageFull
	}
	if len(p.out.Images) == p.limit {
		p.out.NextToken = imagesToken(own)
		return errPageFull
	}
	content := im.JPEG
	if p.format == "PNG" {
		img, err := jpeg.Decode(bytes.NewReader(im.JPEG))
		if err != nil {
			return fmt.Errorf("%w: %v", frames.ErrDecode, err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		content = buf.Bytes()
	}
	p.out.Images = append(p.out.Images, imageOut{TimeStamp: stamp(at), ImageContent: base64.StdEncoding.EncodeToString(content)})
	if p.req.Every > 0 {
		p.next = int64(at.Sub(p.req.Start)/p.req.Every) + 1
	}
	return nil
}

func imagesToken(t time.Time) string {
	return base64.StdEncoding.EncodeToString([]byte("img " + strconv.FormatInt(t.UnixNano(), 10)))
}
