package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/fragments"
)

type rig struct {
	streams *shards.Store
	video   *fragments.Store
	log     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	sh, err := shards.Open(filepath.Join(dir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Close() })
	v, err := fragments.Open(filepath.Join(dir, "video"), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return &rig{streams: sh, video: v, log: &syncBuffer{}}
}

func (r *rig) writer() *Writer {
	return &Writer{Streams: r.streams, Video: r.video, Logger: slog.New(slog.NewTextHandler(r.log, nil))}
}

// record writes n seconds of the H.264 clip of the store's testdata as
// camera: n/2 fragments of 2 s.
func (r *rig) record(t *testing.T, camera string, seconds int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "fragments", "testdata", "clip.h264"))
	if err != nil {
		t.Fatal(err)
	}
	var nalus h264.AnnexB
	if err := nalus.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	sps, pps := nalus[0], nalus[1]
	var aus [][][]byte
	var au [][]byte
	for _, n := range nalus[2:] {
		au = append(au, n)
		if typ := h264.NALUType(n[0] & 0x1f); typ == h264.NALUTypeIDR || typ == h264.NALUTypeNonIDR {
			aus, au = append(aus, au), nil
		}
	}
	rec, err := r.video.Record(camera, []fragments.Track{{ID: 1, Codec: fragments.H264{SPS: sps, PPS: pps}}})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	for i := range seconds * 25 {
		d := time.Duration(i) * 40 * time.Millisecond
		if err := rec.WriteFrame(fragments.Frame{Track: 1, DTS: d, PTS: d, NALUs: aus[i%len(aus)], Received: base.Add(d),
			Producer: base.Add(d - time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(fragments.ReasonCameraOffline, ""); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) events(t *testing.T, stream string) []Record {
	t.Helper()
	s, err := r.streams.Stream(stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, sh := range s.Shards() {
		it, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Read(it, shards.MaxRecordsPerRead)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range res.Records {
			var e Record
			if err := json.Unmarshal(rec.Data, &e); err != nil {
				t.Fatalf("record %q: %v", rec.Data, err)
			}
			if rec.PartitionKey != e.Camera {
				t.Errorf("partition key %q for camera %q", rec.PartitionKey, e.Camera)
			}
			out = append(out, e)
		}
	}
	return out
}

// Every stored fragment has its event, in order, in a stream created for
// it.
func TestEvents(t *testing.T) {
	r := newRig(t)
	w := r.writer()
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := r.video.Configure("door", fragments.CameraConfig{}); err != nil {
		t.Fatal(err)
	}
	stop, err := w.Watch("door", DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	r.record(t, "door", 8)
	stop()
	w.Close()
	frs, _ := r.video.Fragments("door", fragments.Query{})
	evs := r.events(t, DefaultStream)
	if len(frs) != 4 || len(evs) != len(frs) {
		t.Fatalf("%d fragments, %d events", len(frs), len(evs))
	}
	for i, f := range frs {
		want := RecordOf(f)
		got := evs[i]
		if got.Camera != "door" || got.Fragment != f.Number || !got.Server.Equal(want.Server) || got.Producer == nil ||
			!got.Producer.Equal(*want.Producer) || got.DurationMS != 2000 || got.Frames != f.Frames || got.Keyframes != f.Keyframes || got.Size != f.Size {
			t.Errorf("event %d: %+v, fragment %+v", i, got, f)
		}
	}
	if s := w.Stats(); s.Written != 4 || s.Dropped != 0 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
	if !strings.Contains(r.log.String(), "stream created") {
		t.Errorf("log: %s", r.log)
	}
	if _, err := w.Watch("nobody", DefaultStream); err == nil {
		t.Error("a camera the store has not was watched")
	}
}

// A full queue drops events, counts them and says so once; the
// recording neither waits nor loses a fragment.
func TestEventsOverflow(t *testing.T) {
	r := newRig(t)
	w := r.writer()
	w.Queue = 2
	w.q = make(chan event, w.Queue) // not started: nothing drains the queue yet
	if err := r.video.Configure("door", fragments.CameraConfig{}); err != nil {
		t.Fatal(err)
	}
	stop, err := w.Watch("door", "events")
	if err != nil {
		t.Fatal(err)
	}
	r.record(t, "door", 10)
	stop()
	frs, _ := r.video.Fragments("door", fragments.Query{})
	if len(frs) != 5 {
		t.Fatalf("%d fragments stored, want 5", len(frs))
	}
	if s := w.Stats(); s.Dropped != 3 {
		t.Errorf("stats %+v: want 3 dropped", s)
	}
	if n := strings.Count(r.log.String(), "events dropped"); n != 1 {
		t.Errorf("the drop was logged %d times:\n%s", n, r.log)
	}
	w.start()
	w.Close()
	if evs := r.events(t, "events"); len(evs) != 2 || evs[0].Fragment != 1 || evs[1].Fragment != 2 {
		t.Errorf("events %+v", evs)
	}
}

// The events of fragments stored within a second share a put, and so a
// commit of the stream: one put per fragment of every camera wrote more
// bytes of index than of events.
func TestEventsShareAPut(t *testing.T) {
	r := newRig(t)
	w := r.writer()
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range 6 {
		cam := fmt.Sprintf("cam%d", i)
		if err := r.video.Configure(cam, fragments.CameraConfig{}); err != nil {
			t.Fatal(err)
		}
		stop, err := w.Watch(cam, DefaultStream)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
	}
	start := time.Now()
	for i := range 6 {
		r.record(t, fmt.Sprintf("cam%d", i), 4)
	}
	for w.Stats().Written < 12 {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("written %+v", w.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := w.Stats(); s.Puts > 3 {
		t.Errorf("%d events in %d puts", s.Written, s.Puts)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the events took %v", d)
	}
}
