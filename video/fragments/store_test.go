package fragments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func record(t testing.TB, s *Store, camera string, from, n int, base time.Time) *Recorder {
	t.Helper()
	m := media(t)
	r, err := s.Record(camera, []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		if err := r.WriteFrame(m.frame(i, base)); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	return r
}

func TestRecordReadReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	r := record(t, s, "door", 0, 150, t0)
	if err := r.Close(ReasonCameraOffline, "test"); err != nil {
		t.Fatal(err)
	}
	frs, err := s.Fragments("door", Query{})
	if err != nil {
		t.Fatal(err)
	}
	// 6 s at a 2 s target with a GOP of 1 s: three fragments of 50 frames.
	if len(frs) != 3 {
		t.Fatalf("%d fragments, want 3: %+v", len(frs), frs)
	}
	for i, f := range frs {
		if f.Number != uint64(i+1) || f.Frames != 50 || f.Keyframes != 2 || f.Duration != 2*time.Second {
			t.Errorf("fragment %d: %+v", i, f)
		}
		if want := t0.Add(time.Duration(i) * 2 * time.Second); !f.Server.Equal(want) {
			t.Errorf("fragment %d: server time %v, want %v", i, f.Server, want)
		}
		m, err := s.ReadFragment("door", f.Number)
		if err != nil {
			t.Fatal(err)
		}
		p := ffprobeBytes(t, m.Init, m.Data)
		if p.Codec != "h264" || p.Frames != 50 || !near(p.Duration, 2*time.Second, 50*time.Millisecond) {
			t.Errorf("fragment %d plays as %+v", f.Number, p)
		}
	}
	gaps, _ := s.Gaps("door", time.Time{}, time.Time{})
	if len(gaps) != 1 || !gaps[0].Open() || gaps[0].Reason != ReasonCameraOffline || !gaps[0].Start.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("gaps %v", gaps)
	}
	// The segment file is itself an fMP4 file that plays.
	if p := ffprobe(t, segmentPath(filepath.Join(dir, "cameras", "door"), 1)); p.Frames != 150 {
		t.Errorf("segment file plays as %+v", p)
	}
	s.Close()

	s = openStore(t, dir, Options{})
	if d := s.Damage(); len(d) != 0 {
		t.Errorf("damage after a clean close: %v", d)
	}
	again, err := s.Fragments("door", Query{})
	if err != nil || len(again) != 3 {
		t.Fatalf("after reopen: %d fragments, %v", len(again), err)
	}
	for i := range again {
		if again[i] != frs[i] {
			t.Errorf("after reopen: %+v, want %+v", again[i], frs[i])
		}
	}
	// Numbers are never reused: the next recording goes on from 4, and
	// closes the gap.
	r = record(t, s, "door", 0, 60, t0.Add(time.Minute))
	r.Close(ReasonRestart, "")
	frs, _ = s.Fragments("door", Query{After: 3})
	if len(frs) == 0 || frs[0].Number != 4 {
		t.Fatalf("after reopen: %+v", frs)
	}
	gaps, _ = s.Gaps("door", time.Time{}, t0.Add(time.Minute))
	if len(gaps) != 1 || gaps[0].Open() || !gaps[0].End.Equal(t0.Add(time.Minute)) {
		t.Fatalf("gap not closed by the next recording: %v", gaps)
	}
}

func TestQueryByTime(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	r := record(t, s, "cam", 0, 500, t0) // 20 s: ten fragments
	r.Close("", "")
	for _, tc := range []struct {
		start, end time.Duration
		want       []uint64
	}{
		{0, 2 * time.Second, []uint64{1}},
		{time.Second, 3 * time.Second, []uint64{1, 2}},
		{5 * time.Second, 5*time.Second + time.Millisecond, []uint64{3}},
		{19 * time.Second, time.Hour, []uint64{10}},
		{time.Hour, 2 * time.Hour, nil},
	} {
		frs, err := s.Fragments("cam", Query{Start: t0.Add(tc.start), End: t0.Add(tc.end)})
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		for _, f := range frs {
			got = append(got, f.Number)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("[%v, %v): %v, want %v", tc.start, tc.end, got, tc.want)
		}
	}
	// Paging by number.
	frs, _ := s.Fragments("cam", Query{After: 4, Limit: 3})
	if len(frs) != 3 || frs[0].Number != 5 || frs[2].Number != 7 {
		t.Errorf("page after 4: %+v", frs)
	}
}

func TestInvalidInput(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	m := media(t)
	for _, name := range []string{"", "../x", ".hidden", "a/b", string(make([]byte, 200))} {
		if _, err := s.Record(name, []Track{m.track()}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("camera %q: %v", name, err)
		}
	}
	for _, tracks := range [][]Track{nil, {{ID: 0, Codec: MJPEG{1, 1}}}, {{ID: 1}}, {{ID: 1, Codec: MJPEG{}}},
		{{ID: 1, Codec: AAC{Config: []byte{1}}}}, {m.track(), m.track()}} {
		if _, err := s.Record("c", tracks); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("tracks %+v: %v", tracks, err)
		}
	}
	r, err := s.Record("c", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record("c", []Track{m.track()}); !errors.Is(err, ErrBusy) {
		t.Errorf("second recorder: %v", err)
	}
	for _, f := range []Frame{{Track: 2, NALUs: m.aus[0]}, {Track: 1}, {Track: 1, NALUs: [][]byte{{}}},
		{Track: 1, NALUs: m.aus[0], PTS: 24 * time.Hour}} {
		if err := r.WriteFrame(f); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("frame %+v: %v", f, err)
		}
	}
	r.Close("", "")
	if err := r.WriteFrame(m.frame(0, t0)); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

func TestParametersInBand(t *testing.T) {
	// A session description without SPS and PPS: the recorder takes them
	// from the first keyframe that carries them and drops what comes before.
	s := openStore(t, t.TempDir(), Options{})
	m := media(t)
	r, err := s.Record("cam", []Track{{ID: 1, Codec: H264{}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 25; i < 100; i++ {
		f := m.frame(i, t0)
		if i == 50 {
			f.NALUs = append([][]byte{m.sps, m.pps}, f.NALUs...)
		}
		if err := r.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) != 1 || frs[0].Frames != 50 || !frs[0].Server.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("%+v", frs)
	}
	info, _ := s.Camera("cam")
	if info.Stats.FramesDropped != 25 || info.Stats.FramesReceived != 75 {
		t.Errorf("stats %+v", info.Stats)
	}
}

func TestCodecChangeStartsSegment(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	m := media(t)
	r := record(t, s, "cam", 0, 50, t0)
	jpegs := mjpegFrames(t)
	if err := r.SetTracks([]Track{{ID: 1, Codec: MJPEG{160, 120}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		d := 2*time.Second + time.Duration(i)*200*time.Millisecond
		if err := r.WriteFrame(Frame{Track: 1, DTS: d, PTS: d, Payload: jpegs[i%len(jpegs)], Received: t0.Add(d)}); err != nil {
			t.Fatal(err)
		}
	}
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) < 2 || frs[0].Segment == frs[len(frs)-1].Segment {
		t.Fatalf("no new segment after the codec change: %+v", frs)
	}
	info, _ := s.Camera("cam")
	if info.Codecs != "mjpeg" || info.Segments != 2 {
		t.Errorf("camera %+v", info)
	}
	last := frs[len(frs)-1]
	md, err := s.ReadFragment("cam", last.Number)
	if err != nil {
		t.Fatal(err)
	}
	if p := ffprobeBytes(t, md.Init, md.Data); p.Codec != "mjpeg" || p.Frames != last.Frames {
		t.Errorf("mjpeg fragment plays as %+v, %d frames stored", p, last.Frames)
	}
	_ = m
}

// mjpegFrames splits testdata/clip.mjpeg into JPEGs.
func mjpegFrames(t testing.TB) [][]byte {
	raw, err := os.ReadFile(filepath.Join("testdata", "clip.mjpeg"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(raw) > 0 {
		end := 2
		for end+1 < len(raw) && !(raw[end] == 0xff && raw[end+1] == 0xd9) {
			end++
		}
		out = append(out, raw[:end+2])
		raw = raw[end+2:]
	}
	return out
}

func TestFollowAndSubscribe(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	m := media(t)
	if _, err := s.Subscribe("cam", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("subscribe to an unknown camera: %v", err)
	}
	if err := s.Configure("cam", CameraConfig{}); err != nil {
		t.Fatal(err)
	}
	slow, _ := s.Subscribe("cam", 1)
	fast, _ := s.Subscribe("cam", 100)
	fol, err := s.Follow("cam", Start{Earliest: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 250; i++ { // four fragments written, the fifth held
		r.WriteFrame(m.frame(i, t0))
	}
	// The slow subscriber never read: it was dropped, the recording went on.
	if _, ok := <-slow.C(); !ok {
		t.Fatal("the slow subscriber got nothing")
	}
	if _, ok := <-slow.C(); ok || !errors.Is(slow.Err(), ErrLagged) {
		t.Fatalf("slow subscriber not dropped: %v", slow.Err())
	}
	for n := uint64(1); n <= 4; n++ {
		f := <-fast.C()
		if f.Number != n {
			t.Fatalf("subscriber got %d, want %d", f.Number, n)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for n := uint64(1); n <= 4; n++ {
		md, err := fol.Next(ctx)
		if err != nil || md.Number != n || len(md.Init) == 0 || len(md.Data) != int(md.Size) {
			t.Fatalf("follow %d: %v %+v", n, err, md)
		}
	}
	// Caught up: Next waits for the next fragment.
	got := make(chan uint64, 1)
	go func() {
		md, err := fol.Next(ctx)
		if err != nil {
			got <- 0
			return
		}
		got <- md.Number
	}()
	time.Sleep(50 * time.Millisecond)
	for i := 250; i < 300; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	if n := <-got; n != 5 {
		t.Fatalf("follower woke with %d, want 5", n)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := fol.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("next past the end: %v", err)
	}
	now, _ := s.Follow("cam", Start{Now: true})
	if now.Position() != 6 {
		t.Errorf("follow now starts at %d", now.Position())
	}
	at, _ := s.Follow("cam", Start{Time: t0.Add(5 * time.Second)})
	if at.Position() != 3 {
		t.Errorf("follow at 5 s starts at %d", at.Position())
	}
	r.Close("", "")
}
