package fragments

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestDiskFull records onto a 1 MiB tmpfs until the disk answers ENOSPC:
// the fragment that does not fit is dropped, the segment file keeps its
// complete fragments only, a gap of reason disk full opens; once space
// returns, recording resumes by itself and closes the gap.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("mounting a small tmpfs needs root; under CI it is required")
		}
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "fs")
	os.Mkdir(dir, 0o755)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 400<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dir, Options{})
	m := media(t)
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for ; i < 25*200; i++ {
		r.WriteFrame(m.frame(i, t0))
		if info, _ := s.Camera("cam"); info.OpenGap != nil {
			break
		}
	}
	info, _ := s.Camera("cam")
	if info.OpenGap == nil || info.OpenGap.Reason != ReasonDiskFull {
		t.Fatalf("no disk-full gap after %d frames: %+v", i, info.OpenGap)
	}
	stored := info.Stats.Fragments
	path := segmentPath(filepath.Join(dir, "cameras", "cam"), 1)
	b, _ := os.ReadFile(path)
	if res, err := scanSegment(bytes.NewReader(b), int64(len(b)), 0); err != nil || res.problem != nil || int64(len(res.frags)) != stored {
		t.Fatalf("after ENOSPC the segment file holds %d fragments (%v %v), %d were stored", len(res.frags), err, res.problem, stored)
	}
	os.Remove(filler)
	for end := i + 200; i < end; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	info, _ = s.Camera("cam")
	if info.OpenGap != nil || info.Stats.Fragments < stored+2 {
		t.Fatalf("recording did not resume: %+v, %d fragments", info.OpenGap, info.Stats.Fragments)
	}
	gaps, _ := s.Gaps("cam", t0, t0.Add(time.Hour))
	if len(gaps) != 1 || gaps[0].Reason != ReasonDiskFull || gaps[0].Open() {
		t.Fatalf("gaps %v", gaps)
	}
	r.Close("", "")
	s.Close()
	s = openStore(t, dir, Options{})
	if d := s.Damage(); len(d) != 0 {
		t.Errorf("damage after reopen: %v", d)
	}
}
