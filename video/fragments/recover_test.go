package fragments

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyDir copies a store's directory as a crash would leave it: what the
// files hold, whatever the index has committed.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// crashedStore records n frames without an index commit after Record's
// and returns a copy of the directory, as a kill would leave it, with the
// fragments that were reported stored.
func crashedStore(t *testing.T, n int) (string, []Fragment) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{IndexInterval: time.Hour})
	r := record(t, s, "cam", 0, n, t0)
	frs, err := s.Fragments("cam", Query{})
	if err != nil {
		t.Fatal(err)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	r.Close("", "")
	return crashed, frs
}

func TestRecoverUnindexedFragments(t *testing.T) {
	dir, want := crashedStore(t, 260)
	if len(want) != 5 {
		t.Fatalf("%d fragments stored", len(want))
	}
	s := openStore(t, dir, Options{})
	if d := s.Damage(); len(d) != 0 {
		t.Errorf("damage %v", d)
	}
	got, _ := s.Fragments("cam", Query{})
	if len(got) != len(want) {
		t.Fatalf("%d fragments after the crash, %d were stored", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("recovered %+v, stored %+v", got[i], want[i])
		}
	}
	info, _ := s.Camera("cam")
	if g := info.OpenGap; g == nil || g.Reason != ReasonRestart || !g.Start.Equal(want[4].End()) {
		t.Fatalf("gap after the crash: %+v", g)
	}
	// Recording goes on with the next number, and closes the gap.
	r := record(t, s, "cam", 0, 60, t0.Add(time.Minute))
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{After: 5})
	if len(frs) == 0 || frs[0].Number != 6 {
		t.Fatalf("after recovery: %+v", frs)
	}
}

func TestRecoverTornTail(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(b []byte, last Fragment) []byte
	}{
		{"half of the last fragment", func(b []byte, last Fragment) []byte { return b[:last.Offset+last.Size/2] }},
		{"the last fragment without its trailer", func(b []byte, last Fragment) []byte { return b[:last.Offset+last.Size] }},
		{"garbage after the last fragment", func(b []byte, last Fragment) []byte {
			return append(b, bytes.Repeat([]byte{0xa5}, 3000)...)
		}},
		{"the last fragment's checksum", func(b []byte, last Fragment) []byte {
			b[last.Offset+last.Size-10] ^= 0xff
			return b
		}},
		{"zeros over the last fragment", func(b []byte, last Fragment) []byte {
			clear(b[last.Offset+100:])
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, stored := crashedStore(t, 260)
			last := stored[len(stored)-1]
			path := segmentPath(filepath.Join(dir, "cameras", "cam"), last.Segment)
			b, _ := os.ReadFile(path)
			b = tc.tear(b, last)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s := openStore(t, dir, Options{})
			d := s.Damage()
			if len(d) != 1 || !strings.Contains(d[0].What, "cut") {
				t.Fatalf("damage %v", d)
			}
			got, _ := s.Fragments("cam", Query{})
			wantN := len(stored) - 1
			if strings.HasPrefix(tc.name, "garbage") {
				wantN = len(stored)
			}
			if len(got) != wantN {
				t.Fatalf("%d fragments, want %d", len(got), wantN)
			}
			for _, f := range got {
				if _, err := s.ReadFragment("cam", f.Number); err != nil {
					t.Errorf("fragment %d: %v", f.Number, err)
				}
			}
			fi, _ := os.Stat(path)
			if end := got[len(got)-1].Offset + got[len(got)-1].Size + trailerSize; fi.Size() != end {
				t.Errorf("file is %d bytes, its last fragment ends at %d", fi.Size(), end)
			}
			info, _ := s.Camera("cam")
			if g := info.OpenGap; g == nil || g.Reason != ReasonRestart || !strings.Contains(g.Detail, "bytes of an unfinished fragment were cut") {
				t.Errorf("gap %+v", g)
			}
			if p := ffprobe(t, path); p.Frames != 50*wantN {
				t.Errorf("the segment file plays %d frames, want %d", p.Frames, 50*wantN)
			}
		})
	}
}

func TestRecoverMissingBytes(t *testing.T) {
	dir := t.TempDir()
	cfg := CameraConfig{SegmentSpan: 5 * time.Second}
	s := openStore(t, dir, Options{Defaults: cfg})
	r := record(t, s, "cam", 0, 500, t0) // ten fragments, in segments of three
	r.Close("", "")
	frs, _ := s.Fragments("cam", Query{})
	s.Close()
	camDir := filepath.Join(dir, "cameras", "cam")
	// Lose the first segment file, and the end of the second.
	first, second := frs[0].Segment, frs[3].Segment
	if first == second {
		t.Fatalf("one segment: %+v", frs)
	}
	os.Remove(segmentPath(camDir, first))
	cut := frs[4]
	if cut.Segment != second {
		t.Fatalf("fragment 5 is in segment %d", cut.Segment)
	}
	os.Truncate(segmentPath(camDir, second), cut.Offset+10)

	s = openStore(t, dir, Options{Defaults: cfg})
	if len(s.Damage()) < 2 {
		t.Errorf("damage %v", s.Damage())
	}
	got, _ := s.Fragments("cam", Query{})
	var nums []uint64
	for _, f := range got {
		nums = append(nums, f.Number)
		if _, err := s.ReadFragment("cam", f.Number); err != nil {
			t.Errorf("fragment %d listed but unreadable: %v", f.Number, err)
		}
	}
	for _, n := range nums {
		if n < 4 || (n > 4 && n < 7) {
			t.Fatalf("fragments %v: 1-3 and 5-6 lost their bytes and must be gone", nums)
		}
	}
	if len(nums) == 0 || nums[0] != 4 {
		t.Fatalf("fragments %v", nums)
	}
	s.Close()
	// A second open finds nothing more to repair.
	s = openStore(t, dir, Options{Defaults: cfg})
	if d := s.Damage(); len(d) != 0 {
		t.Errorf("damage at the second open: %v", d)
	}
}

func TestRecoverRetentionLeftover(t *testing.T) {
	dir := t.TempDir()
	cfg := CameraConfig{SegmentSpan: 5 * time.Second, MaxBytes: 80 << 10}
	s := openStore(t, dir, Options{Defaults: cfg})
	camDir := filepath.Join(dir, "cameras", "cam")
	r := record(t, s, "cam", 0, 60, t0)
	first, _ := s.Fragments("cam", Query{})
	b, _ := os.ReadFile(segmentPath(camDir, first[0].Segment))
	for i := 60; i < 1000; i++ {
		r.WriteFrame(media(t).frame(i, t0))
	}
	r.Close("", "")
	s.Close()
	// A power cut undid the unlink of a segment that retention deleted.
	os.WriteFile(segmentPath(camDir, first[0].Segment), b, 0o644)
	s = openStore(t, dir, Options{Defaults: cfg})
	if _, err := os.Stat(segmentPath(camDir, first[0].Segment)); !os.IsNotExist(err) {
		t.Fatalf("the leftover segment is still there: %v", err)
	}
	frs, _ := s.Fragments("cam", Query{})
	if frs[0].Number == 1 {
		t.Fatal("fragment 1 came back from a deleted segment")
	}
}

// A crash before the index commit loses no ledger entry: the holes before
// fragments recovered from the files are found again (with a clock jump
// told by the trailer), and a gap opened by Interrupt is committed at once.
func TestRecoverKeepsLedger(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{IndexInterval: time.Hour})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	for i := 0; i < 60; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	for i := 60; i < 120; i++ { // frames stopped for 10 s
		r.WriteFrame(m.frame(i, t0.Add(10*time.Second)))
	}
	for i := 120; i < 200; i++ { // the camera's clock jumped back
		f := m.frame(i, t0.Add(10*time.Second))
		f.DTS -= time.Hour
		r.WriteFrame(f)
	}
	r.Interrupt(ReasonNetwork, "no RTP")
	want, _ := s.Gaps("cam", time.Time{}, time.Time{})
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	r.Close("", "")

	s2 := openStore(t, crashed, Options{})
	got, _ := s2.Gaps("cam", time.Time{}, time.Time{})
	if len(want) != 2 || want[0].Reason != ReasonClockJump || want[1].Reason != ReasonNetwork || len(got) != len(want) {
		t.Fatalf("gaps after the crash %v, before %v", got, want)
	}
	for i := range want {
		if got[i].Start != want[i].Start || got[i].End != want[i].End || got[i].Reason != want[i].Reason {
			t.Errorf("gap %d after the crash %v, before %v", i, got[i], want[i])
		}
	}
}

// The camera's clock (producer time) is kept per fragment, through a crash
// before the index commit too.
func TestProducerTime(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{IndexInterval: time.Hour})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	camera := t0.Add(-time.Hour)
	for i := 0; i < 110; i++ {
		f := m.frame(i, t0)
		if i >= 50 { // RTCP arrived: the ingest knows the camera's clock
			f.Producer = camera.Add(f.DTS)
		}
		r.WriteFrame(f)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	r.Close("", "")
	s2 := openStore(t, crashed, Options{})
	frs, _ := s2.Fragments("cam", Query{})
	if len(frs) != 2 || !frs[0].Producer.IsZero() || !frs[1].Producer.Equal(camera.Add(2*time.Second)) {
		t.Fatalf("producer times %+v", frs)
	}
}
