package uplink

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/testvideo"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/fragments"
)

// t0 is when the test recordings begin.
var camT0 = time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)

// withVideo gives the fixture's manager a video store.
func (f *fixture) withVideo() *fragments.Store {
	f.t.Helper()
	st, err := fragments.Open(f.dir+"/video", fragments.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	f.m.Video = st
	return st
}

func cameraSpec(name string) Spec {
	s := spec(name, "camera/cam")
	s.ClipLength, s.BufferInterval = 4*time.Second, 300*time.Millisecond
	return s
}

// clipFrames has ffprobe count the video frames of an MP4 held in memory.
func clipFrames(t *testing.T, b []byte) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(peer.FFprobe(t), "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// A delivery from a camera sends its recording as MP4 clips of the
// configured length, named for the camera, the clip's time and its
// fragments, each fragment once and in order; a clip ends at a gap in the
// recording, and the last one goes when no fragment has come for the
// buffer interval. The status shows the last fragment sent and no backlog.
func TestCameraDelivery(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	vst := f.withVideo()
	enc := testvideo.Encode(t, testvideo.Options{Seconds: 10, Video: testvideo.H264(25)})
	testvideo.Record(t, vst, "cam", enc, camT0, false) // fragments 1-5, 2 s each
	if err := f.m.Create(context.Background(), cameraSpec("video")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three clips", func() bool { return len(sink.records()) == 3 })
	testvideo.Record(t, vst, "cam", enc, camT0.Add(time.Minute), false) // fragments 6-10, after a gap
	eventually(t, "six clips", func() bool { return len(sink.records()) == 6 })
	got := sink.records()
	want := []struct {
		seq    string
		frames int
		start  time.Duration
	}{
		{"1-2", 100, 0}, {"3-4", 100, 4 * time.Second}, {"5-5", 50, 8 * time.Second},
		{"6-7", 100, time.Minute}, {"8-9", 100, time.Minute + 4*time.Second}, {"10-10", 50, time.Minute + 8*time.Second},
	}
	for i, w := range want {
		r := got[i]
		if r.Sequence != w.seq || r.PartitionKey != "cam" || r.Stream != "camera/cam" || !r.Arrival.Equal(camT0.Add(w.start)) {
			t.Errorf("clip %d: %s of %s from %v; want %s from %v", i, r.Sequence, r.PartitionKey, r.Arrival, w.seq, camT0.Add(w.start))
		}
		if n := clipFrames(t, r.Data); n != w.frames {
			t.Errorf("clip %d (%s): %d frames, want %d", i, w.seq, n, w.frames)
		}
	}
	st, err := f.m.Status("video")
	if err != nil {
		t.Fatal(err)
	}
	if st.Positions["camera/cam"]["fragment"] != "10" || st.BacklogRecords != 0 || st.RecordsDelivered != 6 || st.Batches != 6 {
		t.Errorf("status %+v", st)
	}
}

// Object names carry the camera and the clip's time, and a batch is one
// object.
func TestCameraClipNames(t *testing.T) {
	sink := &memSink{}
	var names []string
	sink.answer = func(_ int, b *Batch) error { names = append(names, b.Name); return nil }
	f := newFixture(t, sink)
	vst := f.withVideo()
	testvideo.Record(t, vst, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 4, Video: testvideo.H264(25)}), camT0, false)
	if err := f.m.Create(context.Background(), cameraSpec("video")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a clip", func() bool { return len(sink.records()) == 1 })
	if want := "cam-2026-12-07-18-00-00-f1-f2.mp4"; len(names) != 1 || names[0] != want {
		t.Errorf("names %v, want %s", names, want)
	}
}

// A stop in the middle of a clip's upload (the manager closed, as the
// gateway is by a restart) sends that same clip again, under the same
// name, and then goes on: each fragment in one object.
func TestCameraDeliveryRestart(t *testing.T) {
	sink := &memSink{block: make(chan struct{})}
	f := newFixture(t, sink)
	vst := f.withVideo()
	testvideo.Record(t, vst, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 10, Video: testvideo.H264(25)}), camT0, false)
	if err := f.m.Create(context.Background(), cameraSpec("video")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first send", func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.calls == 1 })
	f.close() // the clip in flight is cut, as by a restart
	vst.Close()
	if _, err := os.Stat(filepath.Join(f.dir, "uplink", "video.clip")); err != nil {
		t.Fatalf("no clip in flight written down: %v", err)
	}
	sink.block = nil
	f.open()
	f.withVideo()
	if err := f.m.Create(context.Background(), cameraSpec("video")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three clips", func() bool { return len(sink.records()) == 3 })
	var seqs []string
	for _, r := range sink.records() {
		seqs = append(seqs, r.Sequence)
	}
	if strings.Join(seqs, ",") != "1-2,3-4,5-5" {
		t.Errorf("clips %v", seqs)
	}
	if st, _ := f.m.Status("video"); st.Redelivered != 1 {
		t.Errorf("redelivered %d, want the clip in flight", st.Redelivered)
	}
}

// A destination that refuses a clip for good has a record of it, naming
// the camera and the fragments, put in the dead-letter stream, and the
// delivery goes on with the next clip.
func TestCameraDeliveryDeadLetter(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if call == 1 {
			return Permanent("AccessDenied", errors.New("access denied"))
		}
		return nil
	}}
	f := newFixture(t, sink)
	vst := f.withVideo()
	testvideo.Record(t, vst, "cam", testvideo.Encode(t, testvideo.Options{Seconds: 8, Video: testvideo.H264(25)}), camT0, false)
	if err := f.m.Create(context.Background(), cameraSpec("video")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the second clip checkpointed", func() bool {
		st, _ := f.m.Status("video")
		return st.Positions["camera/cam"]["fragment"] == "4"
	})
	if r := sink.records()[0]; r.Sequence != "3-4" {
		t.Errorf("the clip after the refused one: %s", r.Sequence)
	}
	s, err := f.store.Stream(DefaultDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Iterator(s.Shards()[0].ShardID, shards.TrimHorizon, "", time.Time{})
	res, err := s.Read(c, 10)
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("dead-letter records: %d %v", len(res.Records), err)
	}
	var rec map[string]any
	json.Unmarshal(res.Records[0].Data, &rec)
	if rec["camera"] != "cam" || rec["firstFragmentNumber"] != 1.0 || rec["lastFragmentNumber"] != 2.0 || rec["errorCode"] != "AccessDenied" {
		t.Errorf("dead-letter record %v", rec)
	}
	if st, _ := f.m.Status("video"); st.DeadLettered != 1 || st.Positions["camera/cam"]["fragment"] != "4" {
		t.Errorf("status %+v", st)
	}
}

// A camera delivery takes no transform or format, a destination that
// writes objects, and a clip length within bounds; a camera is a
// delivery's only source.
func TestCameraSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Spec)
		want string
	}{
		{func(s *Spec) { s.ClipLength = time.Millisecond }, "clip_length: 1ms is outside 1s-1h"},
		{func(s *Spec) { s.Format = FormatJSON }, "format: a delivery from a camera sends MP4 clips"},
		{func(s *Spec) { s.Transform = struct{}{} }, "transform: a delivery from a camera"},
		{func(s *Spec) { s.From = []string{"camera/cam", "sensors"} }, "from[0]: a camera (camera/cam) must be a delivery's only source"},
		{func(s *Spec) { s.From = []string{"camera/.x"} }, `from: ".x" is not a camera name`},
		{func(s *Spec) { s.From = []string{"sensors"}; s.ClipLength = time.Minute }, "clip_length: is for deliveries from a camera"},
	} {
		s := cameraSpec("v")
		tc.edit(&s)
		s = s.WithDefaults()
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", s, err, tc.want)
		}
	}
	s := cameraSpec("v").WithDefaults()
	if err := s.Validate(); err != nil {
		t.Errorf("a good spec: %v", err)
	}
}
