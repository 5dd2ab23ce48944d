package frames

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
	"github.com/tidegate/tidegate/video/fragments"
)

// Every frame of an H.264 recording with B-frames comes out of ffmpeg,
// and each is the picture ffmpeg decodes from the original encoding at
// that place, byte for byte: the pictures are matched to their frames.
func TestExtractEveryFrame(t *testing.T) {
	peer.FFmpeg(t)
	r := record(t, testvideo.Options{Seconds: 5, Video: []string{"-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p"}})
	e := &Extractor{Store: r.st}
	got := extract(t, e, Request{Camera: "cam", Start: t0, End: r.rec.End.Add(time.Second)})
	want := reference(t, r.in, false, 85)
	if len(got) != r.rec.Video || len(want) != len(got) {
		t.Fatalf("%d pictures of %d frames; ffmpeg decodes %d", len(got), r.rec.Video, len(want))
	}
	frs, _ := r.st.Fragments("cam", fragments.Query{})
	for i, im := range got {
		if !bytes.Equal(im.JPEG, want[i]) {
			t.Errorf("picture %d (fragment %d frame %d) is not ffmpeg's picture %d", i, im.Fragment, im.Index, i)
		}
		if want := t0.Add(time.Duration(i) * 40 * time.Millisecond); !im.Server.Equal(want) {
			t.Errorf("picture %d at %v, want %v", i, im.Server, want)
		}
		if im.Camera != "cam" || im.Width != 160 || im.Height != 120 || im.Fragment < frs[0].Number || im.Fragment > frs[len(frs)-1].Number {
			t.Errorf("picture %d: %+v", i, im)
		}
	}
	if !got[0].Keyframe || got[1].Keyframe || got[0].Index != 0 {
		t.Errorf("the first pictures: %+v, %+v", got[0], got[1])
	}
}

// Sampled every 200 ms, H.265 with B-frames gives every fifth frame at
// 25 fps; keyframes only give the keyframes, decoding nothing else.
func TestExtractSampled(t *testing.T) {
	peer.FFmpeg(t)
	r := record(t, testvideo.Options{Seconds: 4, Video: []string{"-c:v", "libx265", "-preset", "ultrafast",
		"-x265-params", "keyint=25:min-keyint=25:bframes=2:log-level=error", "-pix_fmt", "yuv420p"}})
	e := &Extractor{Store: r.st}
	all := reference(t, r.in, false, 60)
	got := extract(t, e, Request{Camera: "cam", Start: t0, End: r.rec.End, Every: 200 * time.Millisecond, Quality: 60})
	if len(got) != (len(all)+4)/5 {
		t.Fatalf("%d pictures every 200 ms of %d frames", len(got), len(all))
	}
	for i, im := range got {
		if !bytes.Equal(im.JPEG, all[5*i]) {
			t.Errorf("picture %d is not frame %d", i, 5*i)
		}
		if want := t0.Add(time.Duration(i) * 200 * time.Millisecond); !im.Server.Equal(want) {
			t.Errorf("picture %d at %v, want %v", i, im.Server, want)
		}
	}
	keys := extract(t, e, Request{Camera: "cam", Start: t0, Keyframes: true, End: r.rec.End, Quality: 60})
	want := reference(t, r.in, true, 60)
	if len(keys) != r.rec.Keyframes || len(want) != len(keys) {
		t.Fatalf("%d keyframe pictures of %d keyframes; ffmpeg decodes %d", len(keys), r.rec.Keyframes, len(want))
	}
	for i, im := range keys {
		if !im.Keyframe || !bytes.Equal(im.JPEG, want[i]) {
			t.Errorf("keyframe picture %d (keyframe %v) is not ffmpeg's", i, im.Keyframe)
		}
	}
	// A range inside the recording, and a size.
	mid := extract(t, e, Request{Camera: "cam", Start: t0.Add(time.Second), End: t0.Add(2 * time.Second), Every: time.Second / 2, Width: 80})
	if len(mid) != 2 || !mid[0].Server.Equal(t0.Add(time.Second)) || mid[0].Width != 80 || mid[0].Height != 60 {
		t.Errorf("a second in the middle at 500 ms, 80 wide: %d pictures, %+v", len(mid), mid)
	}
}

// MJPEG needs no decoder: the pictures are the stored frames, even with
// no ffmpeg anywhere; a size asked is made in Go.
func TestExtractMJPEG(t *testing.T) {
	r := record(t, testvideo.Options{Seconds: 3, Video: []string{"-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p"}})
	e := &Extractor{Store: r.st, FFmpeg: "/nonexistent/ffmpeg"}
	got := extract(t, e, Request{Camera: "cam", Start: t0, End: r.rec.End, Every: 100 * time.Millisecond})
	if len(got) != 30 {
		t.Fatalf("%d pictures in 3 s at 100 ms", len(got))
	}
	m, err := r.st.ReadFragment("cam", got[0].Fragment)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(m.Data, got[0].JPEG) || got[0].Width != 160 {
		t.Error("the first picture is not the stored frame")
	}
	small := extract(t, e, Request{Camera: "cam", Start: t0, End: t0.Add(time.Second), Every: time.Second, Height: 60, Quality: 50})
	if len(small) != 1 || small[0].Width != 80 || small[0].Height != 60 {
		t.Fatalf("scaled: %+v", small)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(small[0].JPEG)); err != nil || cfg.Width != 80 || cfg.Height != 60 {
		t.Errorf("scaled picture: %+v %v", cfg, err)
	}
}

// Without ffmpeg, an H.264 camera's pictures are refused before anything
// is sent, with an error that says what is missing.
func TestExtractWithoutFFmpeg(t *testing.T) {
	r := record(t, testvideo.Options{Seconds: 2, Video: testvideo.H264(25)})
	e := &Extractor{Store: r.st, FFmpeg: "/nonexistent/ffmpeg"}
	err := e.Check("cam")
	if !errors.Is(err, ErrNoDecoder) || !strings.Contains(err.Error(), "needs ffmpeg, which is not installed") {
		t.Errorf("check: %v", err)
	}
	sent := 0
	err = e.Extract(context.Background(), Request{Camera: "cam", Start: t0, End: r.rec.End}, func(Image) error { sent++; return nil })
	if !errors.Is(err, ErrNoDecoder) || sent != 0 {
		t.Errorf("extract: %v, %d pictures", err, sent)
	}
	if err := e.Check("nope"); !errors.Is(err, fragments.ErrNotFound) {
		t.Errorf("an unknown camera: %v", err)
	}
}

// A live request follows the camera: pictures of fragments stored after
// it began come as they are stored, and a consumer that stops reading
// never holds the recording back.
func TestExtractLive(t *testing.T) {
	r := record(t, testvideo.Options{Seconds: 2, Video: testvideo.H264(25)})
	e := &Extractor{Store: r.st}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pics := make(chan Image)
	done := make(chan error, 1)
	go func() {
		done <- e.Extract(ctx, Request{Camera: "cam", Start: t0.Add(time.Hour), Every: time.Second}, func(im Image) error {
			select {
			case pics <- im:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	// Nobody reads pics: the extraction blocks in emit. The camera records
	// on regardless.
	later := t0.Add(time.Hour)
	enc := testvideo.Encode(t, testvideo.Options{Seconds: 6, Video: testvideo.H264(25)})
	finished := make(chan testvideo.Recorded, 1)
	go func() { finished <- testvideo.Record(t, r.st, "cam", enc, later, false) }()
	select {
	case rec := <-finished:
		if rec.Video != 150 {
			t.Errorf("%d frames recorded", rec.Video)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the recording waited for the consumer")
	}
	var got []Image
	for len(got) < 5 {
		select {
		case im := <-pics:
			got = append(got, im)
		case err := <-done:
			t.Fatalf("extract ended: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d live pictures", len(got))
		}
	}
	for i, im := range got {
		if want := later.Add(time.Duration(i) * time.Second); !im.Server.Equal(want) {
			t.Errorf("live picture %d at %v, want %v", i, im.Server, want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("extract: %v", err)
	}
}

// Requests that cannot be served are refused with what is wrong.
func TestRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{}, "a start time is needed"},
		{Request{Start: t0, End: t0}, "is not after start"},
		{Request{Start: t0, Every: -1}, "negative sampling interval"},
		{Request{Start: t0, Width: 5000}, "at most 3840x2160"},
		{Request{Start: t0, Quality: 101}, "quality 101"},
	} {
		if err := tc.req.validate(); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.req, err, tc.want)
		}
	}
}

// A live request whose range begins in the past sends the pictures the
// store holds at once, without waiting for a new fragment.
func TestExtractLiveFromThePast(t *testing.T) {
	r := record(t, testvideo.Options{Seconds: 4, Video: testvideo.H264(25)})
	e := &Extractor{Store: r.st}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan Image, 10)
	go e.Extract(ctx, Request{Camera: "cam", Start: t0, Every: time.Second}, func(im Image) error {
		got <- im
		return nil
	})
	for i := range 4 {
		select {
		case im := <-got:
			if !im.Server.Equal(t0.Add(time.Duration(i) * time.Second)) {
				t.Errorf("picture %d at %v", i, im.Server)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of the 4 stored pictures came", i)
		}
	}
}

// Receive times jitter: a fragment whose first frame came late is timed
// late, and the next fragment's server timestamp falls before the end of
// its media. Every frame still comes out once, and frame times never go
// back.
func TestExtractJitter(t *testing.T) {
	st, err := fragments.Open(t.TempDir(), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	enc := testvideo.Encode(t, testvideo.Options{Seconds: 6, Video: testvideo.H264(25)})
	rec := testvideo.RecordReceived(t, st, "cam", enc, t0, false, func(dts time.Duration) time.Time {
		if dts == 0 {
			return t0.Add(100 * time.Millisecond) // the first frame comes late
		}
		return t0.Add(dts)
	})
	frs, _ := st.Fragments("cam", fragments.Query{})
	if len(frs) != 3 || !frs[1].Server.Before(frs[0].End()) {
		t.Fatalf("fragments %+v do not overlap", frs)
	}
	e := &Extractor{Store: st}
	got := extract(t, e, Request{Camera: "cam", Start: t0, End: t0.Add(time.Minute)})
	if len(got) != rec.Video {
		t.Errorf("%d pictures of %d frames", len(got), rec.Video)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].Server.After(got[i-1].Server) {
			t.Errorf("picture %d (fragment %d) at %v, after %v", i, got[i].Fragment, got[i].Server, got[i-1].Server)
		}
	}
}
