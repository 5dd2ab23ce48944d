package fragments

// A model test: seeded random sequences of operations run against a real
// Store and against a small in-memory reference of what the store
// promises, and every observable result must match.
//
// The reference knows, per camera, the frames held and the fragment being
// built, and cuts fragments as the documentation says: at a keyframe once
// the fragment holds FragmentTarget of media, and at Interrupt, Close,
// SetTracks and a clean close of the store. It numbers them, places them
// on the server clock (receive time, never more than a second before the
// previous end), and keeps the gap ledger: a gap opened by Interrupt,
// Close or a restart and closed by the next fragment; a hole in server
// time of more than a second (reason network, or clock jump when the DTS
// jumped); a zero-length clock-jump entry for a jump without a hole.
//
// Operations: frames in batches (with the camera's DTS jumping back or
// forward, the frames stopping for a while, the gateway's clock stepping
// back), Interrupt, Close and Record again, a clean close and reopen of
// the store, a crash (the directory copied as it is, the store opened on
// the copy), index commits, and queries by time range, by number and of
// the bytes. Camera "a" has no byte cap and is compared exactly; camera
// "b" has one: what it keeps must be the newest of the reference's
// fragments, under the cap, and every reference gap from its oldest
// fragment on must be in its ledger.
//
// Reproduce a failure with its seed: go test ./video/fragments/ -run 'TestModel$' -model.seed=SEED -model.seqs=1

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

var (
	modelSeed = flag.Uint64("model.seed", 0, "TestModel: seed of the first sequence (0: the time)")
	modelSeqs = flag.Int("model.seqs", 0, "TestModel: number of sequences (0: default)")
	modelOps  = flag.Int("model.ops", 0, "TestModel: operations per sequence (0: default)")
)

const modelCap = 150 << 10

func TestModel(t *testing.T) {
	base := *modelSeed
	if base == 0 {
		base = uint64(time.Now().UnixNano()%1_000_000_000) + 1
	}
	seqs, ops := 12, 120
	if testing.Short() {
		seqs, ops = 4, 80
	}
	if *modelSeqs > 0 {
		seqs = *modelSeqs
	}
	if *modelOps > 0 {
		ops = *modelOps
	}
	t.Logf("model: seeds %d..%d, %d operations each; rerun one with -model.seed=SEED -model.seqs=1", base, base+uint64(seqs)-1, ops)
	for i := range seqs {
		seed := base + uint64(i)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runModel(t, seed, ops)
		})
	}
}

// mFrame is a frame the reference holds or has placed.
type mFrame struct {
	received time.Time
	key      bool
	dts      time.Duration
	jump     bool
}

type mFrag struct {
	Number    uint64
	Server    time.Time
	Duration  time.Duration
	Frames    int
	Keyframes int
}

type mBuild struct {
	received  time.Time
	frames    int
	keyframes int
	ticks     int64
	jump      bool
}

type mCamera struct {
	name      string
	recording bool
	prev      *mFrame
	build     *mBuild
	lastDur   int64
	frags     []mFrag
	next      uint64
	openGap   *Gap
	gaps      []Gap
	// What the camera sends next.
	counter int
	dtsBase time.Duration
	rcvBase time.Time
}

func (c *mCamera) lastEnd() (time.Time, bool) {
	if len(c.frags) == 0 {
		return time.Time{}, false
	}
	f := c.frags[len(c.frags)-1]
	return f.Server.Add(f.Duration), true
}

func (c *mCamera) emit() {
	b := c.build
	c.build = nil
	if b == nil || b.frames == 0 {
		return
	}
	server := b.received
	end, ok := c.lastEnd()
	if ok && server.Before(end.Add(-gapTolerance)) {
		server = end
	}
	switch {
	case c.openGap != nil:
		g := *c.openGap
		g.End = server
		if g.End.Before(g.Start) {
			g.End = g.Start
		}
		c.gaps = append(c.gaps, g)
		c.openGap = nil
	case ok && server.After(end.Add(gapTolerance)):
		r := ReasonNetwork
		if b.jump {
			r = ReasonClockJump
		}
		c.gaps = append(c.gaps, Gap{Start: end, End: server, Reason: r})
	case b.jump:
		c.gaps = append(c.gaps, Gap{Start: server, End: server, Reason: ReasonClockJump})
	}
	c.frags = append(c.frags, mFrag{Number: c.next, Server: server, Frames: b.frames, Keyframes: b.keyframes,
		Duration: time.Duration(b.ticks) * time.Second / videoTimescale})
	c.next++
}

func (c *mCamera) place(f *mFrame, dur int64) {
	if f.key && (c.build == nil || c.build.ticks >= 2*videoTimescale) {
		c.emit()
		c.build = &mBuild{received: f.received}
	}
	if c.build == nil {
		return
	}
	if f.jump && !c.build.jump {
		c.build.jump = true
	}
	c.build.frames++
	c.build.ticks += dur
	if f.key {
		c.build.keyframes++
	}
}

func (c *mCamera) write(f mFrame) {
	if p := c.prev; p != nil {
		d := f.dts - p.dts
		dur := int64(d/time.Second)*videoTimescale + int64(d%time.Second)*videoTimescale/int64(time.Second)
		if d < 0 || d > maxFrameGap {
			f.jump = true
			dur = c.lastDur
			if dur == 0 {
				dur = videoTimescale / 25
			}
		}
		if dur > 0 {
			c.lastDur = dur
		}
		c.place(p, dur)
	}
	c.prev = &f
}

// finish places the held frame and writes the fragment.
func (c *mCamera) finish() {
	if p := c.prev; p != nil {
		c.prev = nil
		dur := c.lastDur
		if dur == 0 {
			dur = videoTimescale / 25
		}
		c.place(p, dur)
	}
	c.emit()
}

func (c *mCamera) open(reason Reason, at time.Time) {
	if c.openGap != nil {
		return
	}
	start := at
	if end, ok := c.lastEnd(); ok {
		start = end
	}
	c.openGap = &Gap{Start: start, Reason: reason}
}

// modelRun is one sequence: the store, the reference and the clock.
type modelRun struct {
	t    *testing.T
	rng  *rand.Rand
	dir  string
	s    *Store
	recs map[string]*Recorder
	cams map[string]*mCamera
	now  time.Time
	m    *testMedia
	old  []*Store // stores abandoned by a crash, closed at the end
}

func (mr *modelRun) options() Options {
	return Options{Clock: func() time.Time { return mr.now }, IndexInterval: time.Hour, RetentionInterval: time.Hour,
		Logger: quietLogger(mr.t)}
}

func (mr *modelRun) open() {
	s, err := Open(mr.dir, mr.options())
	if err != nil {
		mr.t.Fatalf("open: %v", err)
	}
	if err := s.Configure("b", CameraConfig{MaxBytes: modelCap}); err != nil {
		mr.t.Fatal(err)
	}
	mr.s = s
}

func (mr *modelRun) record(name string) {
	r, err := mr.s.Record(name, []Track{mr.m.track()})
	if err != nil {
		mr.t.Fatalf("record %s: %v", name, err)
	}
	mr.recs[name] = r
	c := mr.cams[name]
	c.recording, c.lastDur = true, 0
	// A new session: the camera starts again at a keyframe.
	c.counter = 0
	c.dtsBase = time.Duration(mr.rng.IntN(1000)) * time.Hour
	c.rcvBase = mr.now.Add(time.Duration(mr.rng.IntN(3000)) * time.Millisecond)
}

func runModel(t *testing.T, seed uint64, ops int) {
	mr := &modelRun{t: t, rng: rand.New(rand.NewPCG(seed, 7)), dir: t.TempDir(), recs: map[string]*Recorder{},
		cams: map[string]*mCamera{"a": {name: "a", next: 1}, "b": {name: "b", next: 1}}, now: t0, m: media(t)}
	mr.open()
	defer func() {
		mr.s.Close()
		for _, s := range mr.old {
			s.Close()
		}
	}()
	for name := range mr.cams {
		mr.record(name)
	}
	for op := 0; op < ops; op++ {
		name := []string{"a", "b"}[mr.rng.IntN(2)]
		c := mr.cams[name]
		switch k := mr.rng.IntN(100); {
		case k < 55:
			mr.frames(c)
		case k < 60:
			if c.recording {
				mr.recs[name].Interrupt(ReasonNetwork, "")
				c.finish()
				c.open(ReasonNetwork, mr.now)
			}
		case k < 66:
			if c.recording {
				mr.recs[name].Close(ReasonCameraOffline, "")
				c.finish()
				c.open(ReasonCameraOffline, mr.now)
				c.recording = false
			} else {
				mr.now = mr.now.Add(time.Duration(mr.rng.IntN(20)) * time.Second)
				mr.record(name)
			}
		case k < 70:
			mr.reopen(false)
		case k < 74:
			mr.reopen(true)
		case k < 78:
			if err := mr.s.Flush(); err != nil {
				t.Fatal(err)
			}
		default:
			mr.query(c)
		}
		mr.compare(fmt.Sprintf("op %d", op))
	}
}

// frames sends a batch of frames, sometimes after a disturbance.
func (mr *modelRun) frames(c *mCamera) {
	if !c.recording {
		return
	}
	switch mr.rng.IntN(12) {
	case 0: // the camera's clock jumps back or forward
		c.dtsBase += time.Duration(mr.rng.IntN(7200)-3600) * time.Second
	case 1: // frames stop arriving for a while
		c.rcvBase = c.rcvBase.Add(time.Duration(2+mr.rng.IntN(20)) * time.Second)
	case 2: // the gateway's clock steps back
		c.rcvBase = c.rcvBase.Add(-time.Duration(2+mr.rng.IntN(20)) * time.Second)
	}
	n := 1 + mr.rng.IntN(120)
	for range n {
		i := c.counter
		c.counter++
		f := mr.m.frame(i, c.rcvBase)
		f.DTS += c.dtsBase
		f.PTS = f.DTS
		mr.now = f.Received
		if err := mr.recs[c.name].WriteFrame(f); err != nil {
			mr.t.Fatalf("write: %v", err)
		}
		c.write(mFrame{received: f.Received, key: i%25 == 0, dts: f.DTS})
	}
}

// reopen closes the store cleanly, or crashes it (the directory copied as
// it is; the held frames and the fragment being built are lost).
func (mr *modelRun) reopen(crash bool) {
	if crash {
		dir := mr.t.TempDir()
		copyDir(mr.t, mr.dir, dir)
		mr.old = append(mr.old, mr.s)
		mr.dir = dir
		for _, c := range mr.cams {
			c.prev, c.build = nil, nil
			if c.recording {
				c.open(ReasonRestart, mr.now)
			}
		}
	} else {
		if err := mr.s.Close(); err != nil {
			mr.t.Fatal(err)
		}
		for _, c := range mr.cams {
			if c.recording {
				c.finish()
				c.open(ReasonRestart, mr.now)
			}
		}
	}
	mr.open()
	if d := mr.s.Damage(); len(d) != 0 {
		mr.t.Fatalf("damage after a %s: %v", map[bool]string{true: "crash", false: "clean close"}[crash], d)
	}
	for name, c := range mr.cams {
		if c.recording {
			mr.now = mr.now.Add(time.Second)
			mr.record(name)
		}
	}
}

func (mr *modelRun) storeFrags(name string) []mFrag {
	frs, err := mr.s.Fragments(name, Query{})
	if err != nil {
		mr.t.Fatal(err)
	}
	var out []mFrag
	for _, f := range frs {
		out = append(out, mFrag{f.Number, f.Server, f.Duration, f.Frames, f.Keyframes})
	}
	return out
}

func (mr *modelRun) compare(when string) {
	t := mr.t
	for name, c := range mr.cams {
		got := mr.storeFrags(name)
		want := c.frags
		if name == "b" && len(got) > 0 {
			info, _ := mr.s.Camera("b")
			if info.Bytes > modelCap {
				t.Fatalf("%s: camera b holds %d bytes, over its cap of %d", when, info.Bytes, modelCap)
			}
			i := 0
			for i < len(want) && want[i].Number < got[0].Number {
				i++
			}
			want = want[i:]
		}
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%s: camera %s: fragments\n got  %v\n want %v", when, name, tail(got), tail(want))
		}
		gaps, err := mr.s.Gaps(name, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		wantGaps := append([]Gap(nil), c.gaps...)
		if c.openGap != nil {
			wantGaps = append(wantGaps, *c.openGap)
		}
		for i := range gaps {
			gaps[i].Detail = ""
		}
		sort.SliceStable(wantGaps, func(i, j int) bool { return wantGaps[i].Start.Before(wantGaps[j].Start) })
		if name == "b" && len(got) > 0 && len(gaps) < len(wantGaps) {
			// Retention deleted the oldest: compare the newest.
			wantGaps = wantGaps[len(wantGaps)-len(gaps):]
		}
		if !reflect.DeepEqual(gaps, wantGaps) && !(len(gaps) == 0 && len(wantGaps) == 0) {
			t.Fatalf("%s: camera %s: gaps\n got  %v\n want %v", when, name, gaps, wantGaps)
		}
	}
}

func tail[T any](s []T) []T { return s[max(0, len(s)-4):] }

// query asks by time range and by number, and reads bytes.
func (mr *modelRun) query(c *mCamera) {
	if len(c.frags) == 0 {
		return
	}
	t := mr.t
	first, last := c.frags[0].Server, c.frags[len(c.frags)-1].Server.Add(5*time.Second)
	span := last.Sub(first)
	start := first.Add(time.Duration(mr.rng.Int64N(int64(span)+1)) - time.Second)
	end := start.Add(time.Duration(mr.rng.Int64N(int64(10 * time.Second))))
	got, err := mr.s.Fragments(c.name, Query{Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	oldest := uint64(0)
	if all := mr.storeFrags(c.name); len(all) > 0 {
		oldest = all[0].Number
	}
	var want []uint64
	for _, f := range c.frags {
		if f.Number >= oldest && f.Server.Before(end) && f.Server.Add(f.Duration).After(start) {
			want = append(want, f.Number)
		}
	}
	var nums []uint64
	for _, f := range got {
		nums = append(nums, f.Number)
	}
	if !reflect.DeepEqual(nums, want) && !(len(nums) == 0 && len(want) == 0) {
		t.Fatalf("camera %s, [%v, %v): fragments %v, want %v", c.name, start, end, nums, want)
	}
	f := c.frags[mr.rng.IntN(len(c.frags))]
	md, err := mr.s.ReadFragment(c.name, f.Number)
	if f.Number < oldest {
		if err == nil {
			t.Fatalf("camera %s: fragment %d reads after retention deleted it", c.name, f.Number)
		}
		return
	}
	if err != nil {
		t.Fatalf("camera %s: read %d: %v", c.name, f.Number, err)
	}
	if md.Frames != f.Frames || len(md.Data) != int(md.Size) {
		t.Fatalf("camera %s: read %d: %+v", c.name, f.Number, md.Fragment)
	}
	if _, err := os.Stat(filepath.Join(mr.dir, "cameras", c.name)); err != nil {
		t.Fatal(err)
	}
}
