package fragments

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
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
