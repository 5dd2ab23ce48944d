package fragments

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/pmp4"
)

func TestClip(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	r := record(t, s, "cam", 0, 250, t0) // ten seconds, five fragments
	r.Close("", "")
	var buf bytes.Buffer
	clip, err := s.WriteClip(context.Background(), &buf, "cam", t0.Add(time.Second), t0.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Whole fragments: [0, 6 s).
	if clip.Fragments != 3 || clip.Frames != 150 || clip.Duration != 6*time.Second || !clip.Start.Equal(t0) || clip.Truncated {
		t.Fatalf("clip %+v", clip)
	}
	if string(buf.Bytes()[4:8]) != "ftyp" || !bytes.Contains(buf.Bytes()[:4096], []byte("moov")) {
		t.Fatal("not a progressive MP4: no ftyp and moov at the start")
	}
	p := ffprobeBytes(t, buf.Bytes())
	if p.Codec != "h264" || p.Frames != 150 || !near(p.Duration, 6*time.Second, 50*time.Millisecond) || p.Start != 0 {
		t.Fatalf("clip plays as %+v", p)
	}

	if _, err := s.WriteClip(context.Background(), &buf, "cam", t0.Add(time.Hour), t0.Add(2*time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty range: %v", err)
	}
}

func TestClipAcrossCodecChange(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	r := record(t, s, "cam", 0, 100, t0)
	jpegs := mjpegFrames(t)
	r.SetTracks([]Track{{ID: 1, Codec: MJPEG{160, 120}}})
	for i := 0; i < 20; i++ {
		d := 4*time.Second + time.Duration(i)*200*time.Millisecond
		r.WriteFrame(Frame{Track: 1, DTS: d, PTS: d, Payload: jpegs[i%len(jpegs)], Received: t0.Add(d)})
	}
	r.Close("", "")
	var buf bytes.Buffer
	clip, err := s.WriteClip(context.Background(), &buf, "cam", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !clip.Truncated || clip.Frames != 100 {
		t.Fatalf("clip %+v: want the H.264 part only, truncated", clip)
	}
	if p := ffprobeBytes(t, buf.Bytes()); p.Frames != 100 {
		t.Fatalf("clip plays as %+v", p)
	}
}

// With B-frames a session's decode times start compressed (the reordering
// is learnt after the first keyframe): the last frames in presentation
// order end after the last decode time, and the clip's last sample is
// stretched to cover them, so that its edit list keeps every frame.
func TestCoverPresentation(t *testing.T) {
	// DTS 0, 90, 180, 3690 …; PTS 0, 10800, 3600, 7200: an IDR, then
	// P B B, as the decode-time extraction yields them.
	tr := &pmp4.Track{TimeScale: 90000, Samples: []*pmp4.Sample{
		{Duration: 90}, {Duration: 90, PTSOffset: 10710}, {Duration: 3510, PTSOffset: 3420}, {Duration: 3600, PTSOffset: 3510},
	}}
	if ext := coverPresentation(tr); ext != 7110 || tr.Samples[3].Duration != 10710 {
		t.Errorf("extended by %d, last duration %d; want 7110 and 10710", ext, tr.Samples[3].Duration)
	}
	plain := &pmp4.Track{TimeScale: 90000, Samples: []*pmp4.Sample{{Duration: 3600}, {Duration: 3600}}}
	if ext := coverPresentation(plain); ext != 0 || plain.Samples[1].Duration != 3600 {
		t.Errorf("a track without reordering was extended by %d", ext)
	}
}
