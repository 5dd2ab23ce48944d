package cameras

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"

	"github.com/tidegate/tidegate/video/fragments"
)

// A live viewer gets the session's tracks, its frames from a keyframe on,
// its end, and the next session; a stopped camera closes the view.
func TestLiveView(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	ready := make(chan *Camera, 1)
	next := make(chan struct{})
	spec := testSpec(t, "porch", func(ctx context.Context, cam *Camera) {
		ready <- cam
		for range 2 {
			<-next
			s, err := cam.Begin(c.tracks(), nil)
			if err != nil {
				t.Error(err)
				return
			}
			base := time.Now()
			for i := 10; i < 60; i++ { // from a P-frame: viewers wait for frame 25
				s.WriteFrame(c.frame(i, base))
			}
			s.End(fragments.ReasonCameraOffline, "")
			<-s.Done()
		}
		<-ctx.Done()
	})
	if err := m.Reconcile([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	cam := <-ready
	v := cam.Watch(256)
	for session := range 2 {
		next <- struct{}{}
		it := <-v.C()
		if len(it.Tracks) != 1 {
			t.Fatalf("session %d: first item %+v, want the tracks", session, it)
		}
		// The session starts on a P-frame: the viewer's frames start at
		// the keyframe, frame 25 (at 1 s).
		frames, first := 0, time.Duration(-1)
		for it = range v.C() {
			if it.Ended {
				break
			}
			if it.Frame == nil {
				t.Fatalf("session %d: %+v between frames", session, it)
			}
			if first < 0 {
				first = it.Frame.DTS
			}
			frames++
		}
		if frames != 35 || first != time.Second {
			t.Errorf("session %d: %d frames from %v, want 35 from 1s", session, frames, first)
		}
	}
	m.Close()
	if _, ok := <-v.C(); ok {
		t.Error("the view is open after the camera stopped")
	}
	if !errors.Is(v.Err(), ErrStopped) {
		t.Errorf("Err %v, want ErrStopped", v.Err())
	}
}

// A viewer whose buffer is full loses frames up to the next keyframe, and
// never holds the session back.
func TestLiveViewerFallsBehind(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	ready := make(chan *Camera, 1)
	spec := testSpec(t, "yard", func(ctx context.Context, cam *Camera) {
		ready <- cam
		<-ctx.Done()
	})
	if err := m.Reconcile([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	cam := <-ready
	s, err := cam.Begin(c.tracks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := cam.Watch(4) // the tracks and three frames
	base := time.Now()
	for i := range 50 {
		s.WriteFrame(c.frame(i, base))
	}
	var got []int
	for len(v.C()) > 0 {
		it := <-v.C()
		if it.Frame != nil {
			got = append(got, int(it.Frame.DTS/(40*time.Millisecond)))
		}
	}
	if len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Fatalf("frames %v, want 0 1 2", got)
	}
	// Room again: the viewer resumes at the next keyframe, frame 25.
	for i := 50; i < 80; i++ {
		s.WriteFrame(c.frame(i, base))
		for len(v.C()) > 0 {
			it := <-v.C()
			got = append(got, int(it.Frame.DTS/(40*time.Millisecond)))
		}
	}
	if got[3] != 50 || !h264.IsRandomAccess(c.aus[got[3]%50]) || len(got) != 3+30 {
		t.Errorf("after the overflow the viewer got %v, want 50 … 79", got[3:])
	}
	s.End(fragments.ReasonCameraOffline, "")
	<-s.Done()
	if st := s.Stats(); st.Dropped != 0 {
		t.Errorf("the session dropped %d frames for a slow viewer", st.Dropped)
	}
}
