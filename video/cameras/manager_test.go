package cameras

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegate/tidegate/video/fragments"
)

// A source's session is recorded, and its end is a gap of its reason.
func TestSessionRecords(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	base := time.Now()
	wrote := make(chan struct{})
	spec := testSpec(t, "door", func(ctx context.Context, cam *Camera) {
		s, err := cam.Begin(c.tracks(), nil)
		if err != nil {
			t.Error(err)
			return
		}
		for i := range 100 {
			s.WriteFrame(c.frame(i, base))
		}
		s.End(fragments.ReasonCameraOffline, "the camera hung up")
		<-s.Done()
		close(wrote)
		<-ctx.Done()
	})
	if err := m.Reconcile([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	<-wrote
	frs, err := st.Fragments("door", fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range frs {
		total += f.Frames
	}
	if len(frs) != 2 || total != 100 {
		t.Errorf("%d fragments of %d frames, want 2 of 100", len(frs), total)
	}
	g := gaps(t, st, "door")
	if len(g) != 1 || g[0].Reason != fragments.ReasonCameraOffline || g[0].Detail != "the camera hung up" || !g[0].Open() {
		t.Errorf("gaps %v", g)
	}
	if s := m.Cameras(); len(s) != 1 || s[0].Recording || s[0].Sessions != 1 || s[0].LastReason != "camera offline: the camera hung up" {
		t.Errorf("status %+v", s)
	}
}

// feedUntil writes the clip in real time until ctx ends, then ends the
// session as a source does when it is stopped.
func feedUntil(c *clip, started chan<- *Session) feed {
	return func(ctx context.Context, cam *Camera) {
		s, err := cam.Begin(c.tracks(), nil)
		if err != nil {
			return
		}
		if started != nil {
			started <- s
		}
		base := time.Now()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				s.End(fragments.ReasonCameraOffline, "source stopped")
				return
			case <-tick.C:
				s.WriteFrame(c.frame(i, base))
			}
		}
	}
}

// Close ends every session with a gap of reason restart, whatever the
// source says afterwards.
func TestCloseIsRestart(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	started := make(chan *Session, 1)
	if err := m.Reconcile([]Spec{testSpec(t, "door", feedUntil(c, started))}); err != nil {
		t.Fatal(err)
	}
	s := <-started
	waitFor(t, "frames", func() bool { return s.Stats().Frames > 60 })
	m.Close()
	select {
	case <-s.Done():
	default:
		t.Fatal("Close returned before the session's recorder closed")
	}
	g := gaps(t, st, "door")
	if len(g) != 1 || g[0].Reason != fragments.ReasonRestart || g[0].Detail != "the gateway stopped" {
		t.Errorf("gaps %v", g)
	}
	if frs, _ := st.Fragments("door", fragments.Query{}); len(frs) == 0 {
		t.Error("nothing stored")
	}
	if err := m.Reconcile(nil); !errors.Is(err, fragments.ErrClosed) {
		t.Errorf("reconcile after close: %v", err)
	}
}

// A reload leaves an unchanged camera recording, applies store settings
// without a break, restarts a camera whose source changed and stops a
// removed one.
func TestReconcile(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	startedA := make(chan *Session, 4)
	startedB := make(chan *Session, 4)
	a := testSpec(t, "a", feedUntil(c, startedA))
	b := testSpec(t, "b", feedUntil(c, startedB))
	if err := m.Reconcile([]Spec{a, b}); err != nil {
		t.Fatal(err)
	}
	sa, sb := <-startedA, <-startedB
	camA, _ := m.Camera("a")

	a2 := a
	a2.Store.FragmentTarget = time.Second
	cSpec := testSpec(t, "c", feedUntil(c, nil))
	if err := m.Reconcile([]Spec{a2, cSpec}); err != nil {
		t.Fatal(err)
	}
	if now, _ := m.Camera("a"); now != camA {
		t.Error("camera a was restarted for a store setting")
	}
	select {
	case <-sa.Done():
		t.Error("camera a's session ended")
	default:
	}
	if info, _ := st.Camera("a"); info.Config.FragmentTarget != time.Second {
		t.Errorf("fragment target %v", info.Config.FragmentTarget)
	}
	<-sb.Done()
	if _, ok := m.Camera("b"); ok {
		t.Error("camera b still runs")
	}
	if g := gaps(t, st, "b"); len(g) != 1 || g[0].Reason != fragments.ReasonRestart || g[0].Detail != "removed from the configuration" {
		t.Errorf("b's gaps %v", g)
	}
	if _, ok := m.Camera("c"); !ok {
		t.Error("camera c does not run")
	}

	a3 := a2
	a3.Config = &testConfig{Rate: 2}
	if err := m.Reconcile([]Spec{a3, cSpec}); err != nil {
		t.Fatal(err)
	}
	<-sa.Done()
	<-startedA
	if g := gaps(t, st, "a"); len(g) != 1 || g[0].Reason != fragments.ReasonRestart || g[0].Detail != "its configuration changed" {
		t.Errorf("a's gaps %v", g)
	}

	bad := Spec{Name: "../x", Source: "test:x", Config: &testConfig{}}
	unknown := Spec{Name: "x", Source: "ftp://x", Config: &testConfig{}}
	err := m.Reconcile([]Spec{a3, cSpec, bad, unknown})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("bad specs: %v", err)
	}
}

// A second session of a camera ends the first (a publisher replacing
// another) with a network gap and tells its protocol to hang up.
func TestBeginReplaces(t *testing.T) {
	c := testClip(t)
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	if err := m.Reconcile([]Spec{{Name: "door", Source: PublisherSource, Config: &PublisherConfig{}}}); err != nil {
		t.Fatal(err)
	}
	cam, _ := m.Camera("door")
	var hungUp atomic.Bool
	s1, err := cam.Begin(c.tracks(), func() { hungUp.Store(true) })
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	for i := range 60 {
		s1.WriteFrame(c.frame(i, base))
	}
	s2, err := cam.Begin(c.tracks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	<-s1.Done()
	if !hungUp.Load() {
		t.Error("the first session's stop was not called")
	}
	s1.WriteFrame(c.frame(60, base)) // after End: ignored
	base = base.Add(3 * time.Second)
	for i := range 60 {
		s2.WriteFrame(c.frame(i, base))
	}
	s2.End("", "")
	<-s2.Done()
	g := gaps(t, st, "door")
	if len(g) != 2 || g[0].Reason != fragments.ReasonNetwork || g[0].Detail != "replaced by a new session" || g[0].Open() ||
		g[1].Reason != fragments.ReasonCameraOffline {
		t.Errorf("gaps %v", g)
	}
	if s1.Stats().Frames != 60 {
		t.Errorf("session 1 took %d frames", s1.Stats().Frames)
	}
	if st := m.Cameras()[0]; st.Sessions != 2 || st.Total.Frames != 120 {
		t.Errorf("status %+v: want 2 sessions, 120 frames in all", st)
	}
}

func TestPublisher(t *testing.T) {
	st := openStore(t, fragments.Options{})
	m := newManager(t, st)
	specs := []Spec{
		{Name: "door", Source: PublisherSource, Config: &PublisherConfig{Login{Username: "cam", Password: "secret"}}},
		{Name: "yard", Source: PublisherSource, Config: &PublisherConfig{}},
		testSpec(t, "pulled", nil),
	}
	if err := m.Reconcile(specs); err != nil {
		t.Fatal(err)
	}
	p, err := m.Publisher("door")
	if err != nil || len(p.Credentials) != 1 || p.Credentials[0] != (Credential{"cam", "secret"}) {
		t.Fatalf("door: %+v %v", p, err)
	}
	if p, err := m.Publisher("yard"); err != nil || len(p.Credentials) != 0 {
		t.Errorf("yard: %+v %v", p, err)
	}
	if _, err := m.Publisher("pulled"); !errors.Is(err, ErrNotPublishable) {
		t.Errorf("pulled: %v", err)
	}
	if _, err := m.Publisher("new"); !errors.Is(err, ErrNotFound) {
		t.Errorf("new path with publish_new_paths off: %v", err)
	}
	m.SetPublishNew(true)
	if _, err := m.Publisher("../etc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("invalid name: %v", err)
	}
	p, err = m.Publisher("new")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Camera("new"); ok {
		t.Error("a camera was created before Claim")
	}
	cam, err := p.Claim()
	if err != nil || cam.Name() != "new" {
		t.Fatalf("claim: %v", err)
	}
	if err := m.Reconcile(specs); err != nil {
		t.Fatal(err)
	}
	if s := m.Cameras(); len(s) != 4 || !s[1].Auto {
		t.Errorf("a reload removed the published camera: %+v", s)
	}
	declared := append(specs, Spec{Name: "new", Source: PublisherSource, Config: &PublisherConfig{}})
	if err := m.Reconcile(declared); err != nil {
		t.Fatal(err)
	}
	if c, _ := m.Camera("new"); c == cam || c.auto {
		t.Error("the declared camera did not replace the published one")
	}
}

// blockingGuard holds the first fragment write until released.
type blockingGuard struct {
	once    sync.Once
	blocked chan struct{}
	release chan struct{}
}

func (g *blockingGuard) AllowWrite(string, int64) error {
	g.once.Do(func() {
		close(g.blocked)
		<-g.release
	})
	return nil
}

// A recorder slower than the camera fills the session's queue: frames are
// dropped and counted, the camera's read loop never waits, and the video
// track resumes at a keyframe, so that what is stored still decodes.
func TestQueueOverflow(t *testing.T) {
	c := testClip(t)
	g := &blockingGuard{blocked: make(chan struct{}), release: make(chan struct{})}
	st := openStore(t, fragments.Options{Guard: g})
	m := &Manager{Store: st, Logger: testLogger(t), QueueFrames: 8}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Reconcile([]Spec{{Name: "door", Source: PublisherSource, Config: &PublisherConfig{}}}); err != nil {
		t.Fatal(err)
	}
	cam, _ := m.Camera("door")
	s, err := cam.Begin(c.tracks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	i := 0
	for ; i < 52; i++ {
		for len(s.q) == cap(s.q) {
			time.Sleep(time.Millisecond)
		}
		s.WriteFrame(c.frame(i, base))
	}
	<-g.blocked // the writer holds the first fragment
	start := time.Now()
	for ; i < 90; i++ {
		s.WriteFrame(c.frame(i, base))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("WriteFrame waited %v for a blocked disk", d)
	}
	close(g.release)
	waitFor(t, "the queue to drain", func() bool { return s.queued.Load() == 0 && len(s.q) == 0 })
	for ; i < 150; i++ {
		s.WriteFrame(c.frame(i, base))
	}
	s.End("", "")
	<-s.Done()
	stats := s.Stats()
	if stats.Dropped == 0 || stats.Frames != 150 {
		t.Fatalf("stats %+v", stats)
	}
	samples := storedSamples(t, st, "door")
	if int64(len(samples)) != stats.Frames-stats.Dropped {
		t.Errorf("%d samples stored, %d frames queued", len(samples), stats.Frames-stats.Dropped)
	}
	// Every frame after a hole is a keyframe: nothing stored refers to a
	// frame that was dropped.
	const frame = 90000 / 25
	var prev uint64
	for j, sm := range samples {
		if j > 0 && !sm.key && sm.dts-prev != frame {
			t.Fatalf("sample %d (fragment %d) is not a keyframe and follows a hole of %d ticks", j, sm.fragment, sm.dts-prev)
		}
		prev = sm.dts
	}
}
