package fragments

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func dirBytes(t testing.TB, dir string) (int64, []uint64) {
	t.Helper()
	files, err := listSegmentFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	var ids []uint64
	for id, size := range files {
		n += size
		ids = append(ids, id)
	}
	return n, ids
}

func TestRetentionBytes(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 200 << 10
	s := openStore(t, dir, Options{Defaults: CameraConfig{MaxBytes: maxBytes}})
	camDir := filepath.Join(dir, "cameras", "cam")
	m := media(t)
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	for i := 0; i < 5000; i++ {
		if err := r.WriteFrame(m.frame(i, t0)); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			n, _ := dirBytes(t, camDir)
			if n > maxBytes {
				t.Fatalf("frame %d: %d bytes on disk, over the cap of %d", i, n, maxBytes)
			}
			peak = max(peak, n)
		}
	}
	r.Close("", "")
	if peak < maxBytes*3/4 {
		t.Errorf("peak %d bytes: retention deleted far more than needed", peak)
	}
	info, _ := s.Camera("cam")
	n, ids := dirBytes(t, camDir)
	if info.Bytes != n || info.Segments != len(ids) {
		t.Errorf("the camera counts %d bytes in %d segments, the disk holds %d in %d", info.Bytes, info.Segments, n, len(ids))
	}
	// The oldest whole files went: what is left is the newest run of ids,
	// and every fragment listed reads; the deleted ones do not.
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) == 0 || frs[len(frs)-1].Number != 100 {
		t.Fatalf("fragments %d..%d", frs[0].Number, frs[len(frs)-1].Number)
	}
	first := frs[0]
	for _, f := range frs {
		if _, err := s.ReadFragment("cam", f.Number); err != nil {
			t.Fatalf("fragment %d: %v", f.Number, err)
		}
	}
	if _, err := s.ReadFragment("cam", first.Number-1); !errors.Is(err, ErrNotFound) {
		t.Errorf("fragment before the oldest kept: %v", err)
	}
	for _, id := range ids {
		if id < first.Segment {
			t.Errorf("segment %d is older than the oldest indexed one, %d", id, first.Segment)
		}
	}
	s.Close()
	s = openStore(t, dir, Options{Defaults: CameraConfig{MaxBytes: maxBytes}})
	if d := s.Damage(); len(d) != 0 {
		t.Errorf("damage after reopen: %v", d)
	}
	again, _ := s.Fragments("cam", Query{})
	if len(again) != len(frs) || again[0].Number != first.Number {
		t.Errorf("after reopen: %d fragments from %d, want %d from %d", len(again), again[0].Number, len(frs), first.Number)
	}
}

func TestRetentionRefuseNew(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 100 << 10
	s := openStore(t, dir, Options{Defaults: CameraConfig{MaxBytes: maxBytes, OnFull: RefuseNew}})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	for i := 0; i < 1000; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	info, _ := s.Camera("cam")
	if info.OpenGap == nil || info.OpenGap.Reason != ReasonStoreFull {
		t.Fatalf("no store-full gap: %+v", info.OpenGap)
	}
	if n, _ := dirBytes(t, filepath.Join(dir, "cameras", "cam")); n > maxBytes {
		t.Fatalf("%d bytes on disk, over %d", n, maxBytes)
	}
	frs, _ := s.Fragments("cam", Query{})
	if frs[0].Number != 1 {
		t.Errorf("refuse_new deleted fragment 1")
	}
	r.Close("", "")
}

func TestRetentionAge(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	now.Store(t0.UnixNano())
	dir := t.TempDir()
	s := openStore(t, dir, Options{Clock: clock, Defaults: CameraConfig{Retention: time.Minute, SegmentSpan: 10 * time.Second}})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	for i := 0; i < 25*300; i++ { // five minutes
		f := m.frame(i, t0)
		now.Store(f.Received.UnixNano())
		r.WriteFrame(f)
	}
	if err := s.retainAge(s.cameraList()[0]); err != nil {
		t.Fatal(err)
	}
	frs, _ := s.Fragments("cam", Query{})
	cutoff := clock().Add(-time.Minute)
	if len(frs) == 0 || frs[0].Server.After(cutoff) || frs[0].Server.Before(cutoff.Add(-15*time.Second)) {
		t.Fatalf("oldest fragment kept starts at %v; the cutoff is %v and segments span 10 s", frs[0].Server, cutoff)
	}
	info, _ := s.Camera("cam")
	if _, ids := dirBytes(t, filepath.Join(dir, "cameras", "cam")); len(ids) != info.Segments || info.Segments > 8 {
		t.Errorf("%d segment files, the camera counts %d", len(ids), info.Segments)
	}
	// Nothing deletes the segment being written, however old.
	now.Store(t0.Add(time.Hour).UnixNano())
	s.retainAge(s.cameraList()[0])
	if info, _ := s.Camera("cam"); info.Segments != 1 {
		t.Errorf("%d segments left, want the active one", info.Segments)
	}
	r.Close("", "")
	s.retainAge(s.cameraList()[0])
	if info, _ := s.Camera("cam"); info.Segments != 0 {
		t.Errorf("%d segments left after close", info.Segments)
	}
	if _, err := os.Stat(filepath.Join(dir, "cameras", "cam")); err != nil {
		t.Fatal(err)
	}
}
