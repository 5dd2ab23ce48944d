package fragments

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// refusingGuard refuses while full is set.
type refusingGuard struct{ full atomic.Bool }

func (g *refusingGuard) AllowWrite(string, int64) error {
	if g.full.Load() {
		return errors.New("data directory below its reserve")
	}
	return nil
}

func TestDiskGuardStopsAndResumes(t *testing.T) {
	g := &refusingGuard{}
	s := openStore(t, t.TempDir(), Options{Guard: g})
	m := media(t)
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	write := func(n int) {
		for end := i + n; i < end; i++ {
			if err := r.WriteFrame(m.frame(i, t0)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(102) // fragments 1 and 2 written (a fragment is written when the frame after the next keyframe arrives)
	g.full.Store(true)
	write(100) // two fragments refused
	info, _ := s.Camera("cam")
	if info.OpenGap == nil || info.OpenGap.Reason != ReasonDiskFull || !info.OpenGap.Start.Equal(t0.Add(4*time.Second)) {
		t.Fatalf("no open disk-full gap: %+v", info.OpenGap)
	}
	if info.Stats.FramesDropped != 100 {
		t.Errorf("dropped %d frames, want 100", info.Stats.FramesDropped)
	}
	g.full.Store(false)
	write(100) // two fragments, and the two frames held, written on Close
	r.Close("", "")
	gaps, _ := s.Gaps("cam", time.Time{}, t0.Add(time.Minute))
	if len(gaps) != 2 || gaps[0].Reason != ReasonDiskFull || !gaps[0].End.Equal(t0.Add(8*time.Second)) {
		t.Fatalf("gaps %v", gaps)
	}
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) != 5 || frs[1].Number+1 != frs[2].Number || !frs[2].Server.Equal(t0.Add(8*time.Second)) {
		t.Fatalf("fragments after the refusal: %+v", frs)
	}
}

func TestGapsFromTimestamps(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	// 2 s, then frames stop arriving for 10 s (the session stays up), then
	// 2 s with the camera's DTS jumping back by an hour, then 2 s more.
	for i := 0; i < 50; i++ {
		r.WriteFrame(m.frame(i, t0))
	}
	for i := 50; i < 100; i++ {
		f := m.frame(i, t0.Add(10*time.Second))
		r.WriteFrame(f)
	}
	for i := 100; i < 200; i++ {
		f := m.frame(i, t0.Add(10*time.Second))
		f.DTS -= time.Hour
		f.PTS -= time.Hour
		r.WriteFrame(f)
	}
	r.Close("", "")
	gaps, _ := s.Gaps("cam", time.Time{}, t0.Add(time.Minute))
	if len(gaps) != 3 {
		t.Fatalf("gaps %v", gaps)
	}
	if g := gaps[0]; g.Reason != ReasonNetwork || !g.Start.Equal(t0.Add(2*time.Second)) || !g.End.Equal(t0.Add(12*time.Second)) {
		t.Errorf("network gap %v", g)
	}
	if g := gaps[1]; g.Reason != ReasonClockJump {
		t.Errorf("clock jump %v", g)
	}
	frs, _ := s.Fragments("cam", Query{})
	var prev Fragment
	for _, f := range frs {
		if prev.Number != 0 && f.Server.Before(prev.Server) {
			t.Errorf("fragment %d starts at %v, before %d at %v", f.Number, f.Server, prev.Number, prev.Server)
		}
		prev = f
	}
	// The stored timeline stayed monotonic: every fragment plays, and the
	// segment file plays as one.
	for _, f := range frs {
		md, err := s.ReadFragment("cam", f.Number)
		if err != nil {
			t.Fatal(err)
		}
		if p := ffprobeBytes(t, md.Init, md.Data); p.Frames != f.Frames {
			t.Errorf("fragment %d plays as %+v", f.Number, p)
		}
	}
}

func TestInterruptAndClock(t *testing.T) {
	var now atomic.Int64
	now.Store(t0.Add(time.Hour).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	s := openStore(t, t.TempDir(), Options{Clock: clock})
	m := media(t)
	r, _ := s.Record("cam", []Track{m.track()})
	for i := 0; i < 30; i++ {
		f := m.frame(i, t0)
		f.Received = time.Time{} // the store's clock
		r.WriteFrame(f)
	}
	if err := r.Interrupt(ReasonNetwork, "no RTP for 5 s"); err != nil {
		t.Fatal(err)
	}
	frs, _ := s.Fragments("cam", Query{})
	if len(frs) != 1 || frs[0].Frames != 30 || frs[0].Duration != 1200*time.Millisecond || !frs[0].Server.Equal(clock()) {
		t.Fatalf("fragments %+v", frs)
	}
	info, _ := s.Camera("cam")
	if info.OpenGap == nil || info.OpenGap.Reason != ReasonNetwork {
		t.Fatalf("gap %+v", info.OpenGap)
	}
	r.Close("", "")
}
