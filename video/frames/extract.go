package frames

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"log/slog"
	"strings"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/tidegate/tidegate/video/fragments"
)

// Extractor extracts pictures from the fragment store.
type Extractor struct {
	Store *fragments.Store
	// FFmpeg is the ffmpeg that decodes H.264 and H.265; empty looks up
	// "ffmpeg" on the PATH at each call, so that installing it later
	// needs no restart.
	FFmpeg string
	Logger *slog.Logger
	Clock  func() time.Time // time.Now if nil
}

// Check reports, before any picture is sent, what would stop Extract
// from the start: a camera that does not exist (fragments.ErrNotFound),
// and a codec that needs ffmpeg when ffmpeg is missing (ErrNoDecoder).
// A camera that has recorded nothing yet passes.
func (e *Extractor) Check(camera string) error {
	info, err := e.Store.Camera(camera)
	if err != nil {
		return err
	}
	video, _, _ := strings.Cut(info.Codecs, ",")
	if video == "h264" || video == "hevc" {
		_, err := lookFFmpeg(e.FFmpeg)
		return err
	}
	return nil
}

// Extract calls emit with each picture the request selects, in order,
// until the range ends, ctx ends, emit fails or the recording cannot be
// decoded. A live request (no End, or one to come) waits for new
// fragments.
func (e *Extractor) Extract(ctx context.Context, req Request, emit func(Image) error) error {
	if err := req.validate(); err != nil {
		return err
	}
	if err := e.Check(req.Camera); err != nil {
		return err
	}
	x := &extraction{e: e, req: &req, emit: emit, s: newSampler(&req)}
	err := e.each(ctx, &req, func(m *fragments.Media, live bool) error {
		if err := x.add(ctx, m); err != nil {
			return err
		}
		if live {
			return x.flush(ctx)
		}
		return nil
	}, func() error { return x.flush(ctx) })
	if err != nil {
		return err
	}
	return x.flush(ctx)
}

// extraction is one Extract call's state: the video track of the
// fragments being read, and the batch waiting for ffmpeg.
type extraction struct {
	e    *Extractor
	req  *Request
	emit func(Image) error
	s    *sampler
	v    *video
	tl   timeline

	batch struct {
		v      *video
		data   [][]byte
		picks  []pick
		frames int   // candidates of the batch's fragments
		maxPTS int64 // the latest presentation time in it
		shift  int64 // ffmpeg's dts_shift as of the latest fragment
	}
}

// pick is a frame to decode, with the presentation time ffmpeg will
// report for it: ffmpeg's mov demuxer shifts the presentation times of a
// track by the most negative composition offset it has read so far in
// the stream (its dts_shift), and a fragment's offsets are read before
// its frames.
type pick struct {
	frame
	fragment uint64
	ffPTS    int64
}

// maxBatchFragments bounds the fragments one ffmpeg run decodes.
const maxBatchFragments = 30

// add reads a fragment's frames, picks the request's, and sends MJPEG
// pictures at once or queues the fragment for ffmpeg.
func (x *extraction) add(ctx context.Context, m *fragments.Media) error {
	v, err := videoOf(m.Init, x.v)
	if err != nil {
		return fmt.Errorf("camera %q fragment %d: %w", m.Camera, m.Number, err)
	}
	x.v = v
	server, producer := x.tl.anchor(m)
	frs, minOffset, err := framesOf(m, v, server, producer)
	if err != nil {
		return err
	}
	picks := x.s.pick(frs)
	if len(picks) == 0 {
		return nil
	}
	if _, ok := v.codec.(*mp4.CodecMJPEG); ok {
		if err := x.flush(ctx); err != nil {
			return err
		}
		for _, f := range picks {
			b, w, h, err := mjpegPicture(f.payload, x.req.Width, x.req.Height, x.req.Quality)
			if err != nil {
				return fmt.Errorf("camera %q fragment %d frame %d: %w", m.Camera, m.Number, f.index, err)
			}
			if err := x.emit(x.image(m.Number, f, b, w, h)); err != nil {
				return err
			}
		}
		return nil
	}
	switch v.codec.(type) {
	case *mp4.CodecH264, *mp4.CodecH265:
	default:
		return fmt.Errorf("%w: camera %q: no pictures from %T", ErrNoVideo, m.Camera, v.codec)
	}
	b := &x.batch
	if b.v != v || len(b.data) >= maxBatchFragments || len(b.picks)+len(picks) > maxSelect || frs[0].pts <= b.maxPTS {
		if err := x.flush(ctx); err != nil {
			return err
		}
	}
	b.v = v
	b.data = append(b.data, m.Data)
	b.shift = max(b.shift, -minOffset)
	for _, f := range picks {
		b.picks = append(b.picks, pick{frame: f, fragment: m.Number, ffPTS: f.pts + b.shift})
	}
	for _, f := range frs {
		if f.key || !x.req.Keyframes {
			b.frames++
		}
		b.maxPTS = max(b.maxPTS, f.pts)
	}
	return nil
}

// flush has ffmpeg decode the batch and sends its pictures.
func (x *extraction) flush(ctx context.Context) error {
	b := &x.batch
	if len(b.data) == 0 {
		return nil
	}
	defer func() { b.data, b.picks, b.frames, b.maxPTS, b.shift, b.v = nil, nil, 0, 0, 0, nil }()
	path, err := lookFFmpeg(x.e.FFmpeg)
	if err != nil {
		return err
	}
	d := decoder{path: path, keyframes: x.req.Keyframes, width: x.req.Width, height: x.req.Height, quality: x.req.Quality}
	wanted := make([]int64, len(b.picks))
	for i, p := range b.picks {
		wanted[i] = p.ffPTS
	}
	pics, err := d.decode(ctx, b.v.init, b.data, wanted, len(b.picks) == b.frames)
	if err != nil {
		return err
	}
	for _, p := range b.picks {
		jpg, ok := pics[p.ffPTS]
		if !ok {
			return fmt.Errorf("%w: ffmpeg gave no picture of fragment %d frame %d", ErrDecode, p.fragment, p.index)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
		if err != nil {
			return fmt.Errorf("%w: ffmpeg's picture of fragment %d frame %d: %v", ErrDecode, p.fragment, p.index, err)
		}
		if err := x.emit(x.image(p.fragment, p.frame, jpg, cfg.Width, cfg.Height)); err != nil {
			return err
		}
	}
	return nil
}

func (x *extraction) image(fragment uint64, f frame, b []byte, w, h int) Image {
	return Image{Camera: x.req.Camera, Fragment: fragment, Index: f.index, Server: f.server, Producer: f.producer,
		Keyframe: f.key, Width: w, Height: h, JPEG: b}
}
