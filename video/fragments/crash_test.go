package fragments

// The crash test. A child process (this test binary re-executed with
// -test.run=^TestCrashChild$) records two cameras at full speed, with
// retention by bytes deleting segment files as it goes and the index
// committed every few milliseconds, and prints a line for every fragment
// reported stored (a subscription delivers it once it is fsync'd). The
// parent kills it with SIGKILL at a random moment, opens the store, and
// checks that every acknowledged fragment retention has not deleted is
// indexed with what was acknowledged, that the index and the files agree
// (every segment file holds exactly its indexed fragments), and that every
// segment file plays in ffprobe with the frame count the index says. Then
// it starts the next child on the same directory.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

const (
	crashEnvDir  = "TIDEGATE_VIDEO_CRASH_DIR"
	crashEnvSeed = "TIDEGATE_VIDEO_CRASH_SEED"
)

var crashCameras = []string{"front", "back"}

func crashConfig() Options {
	return Options{
		IndexInterval: 30 * time.Millisecond,
		Defaults:      CameraConfig{MaxBytes: 2 << 20},
	}
}

// TestCrashChild is the child process of TestCrash.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("only runs as the child process of TestCrash")
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashEnvSeed), 10, 64)
	var outMu sync.Mutex
	line := func(s string) {
		outMu.Lock()
		defer outMu.Unlock()
		if _, err := os.Stdout.WriteString(s + "\n"); err != nil {
			os.Exit(5)
		}
	}
	fail := func(format string, args ...any) {
		line("ERR " + fmt.Sprintf(format, args...))
		os.Exit(3)
	}
	go func() { // never outlive the parent
		ppid := os.Getppid()
		for os.Getppid() == ppid {
			time.Sleep(100 * time.Millisecond)
		}
		os.Exit(4)
	}()
	s, err := Open(dir, crashConfig())
	if err != nil {
		fail("open: %v", err)
	}
	m := media(t)
	base := time.Now().UTC()
	var wg sync.WaitGroup
	for ci, name := range crashCameras {
		if err := s.Configure(name, CameraConfig{}); err != nil {
			fail("configure: %v", err)
		}
		sub, err := s.Subscribe(name, 1<<16)
		if err != nil {
			fail("subscribe: %v", err)
		}
		go func() {
			for f := range sub.C() {
				line(fmt.Sprintf("A %s %d %d %d", f.Camera, f.Number, f.Server.UnixNano(), f.Frames))
			}
			fail("subscription of %s ended: %v", name, sub.Err())
		}()
		r, err := s.Record(name, []Track{m.track()})
		if err != nil {
			fail("record: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(ci)))
			for i := 0; ; i++ {
				f := m.frame(i, base)
				if rng.IntN(500) == 0 {
					// Now and then a fragment ends early.
					if err := r.Interrupt(ReasonNetwork, "crash test"); err != nil {
						fail("interrupt: %v", err)
					}
				}
				if err := r.WriteFrame(f); err != nil {
					fail("write: %v", err)
				}
			}
		}()
	}
	line("READY")
	wg.Wait()
}

type crashAck struct {
	server int64
	frames int
}

func TestCrash(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the crash test kills its child with SIGKILL; it runs on Linux")
	}
	iterations := 12
	if testing.Short() {
		iterations = 4
	}
	if n, err := strconv.Atoi(os.Getenv("TIDEGATE_CRASH_ITERATIONS")); err == nil && n > 0 {
		iterations = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TIDEGATE_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (TIDEGATE_CRASH_SEED repeats the schedule, not the timing)", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	acked := map[string]map[uint64]crashAck{}
	for _, c := range crashCameras {
		acked[c] = map[uint64]crashAck{}
	}
	var total, cuts int
	probed := map[string]bool{} // segment files ffprobe played, by path and size
	for it := 1; it <= iterations; it++ {
		t1 := time.Now()
		acks, errs := runCrashChild(t, dir, rng.Uint64(), time.Duration(50+rng.IntN(400))*time.Millisecond)
		for _, e := range errs {
			t.Fatalf("iteration %d: child: %s", it, e)
		}
		for _, a := range acks {
			if err := parseAck(a, acked); err != nil {
				t.Fatal(err)
			}
		}
		total += len(acks)
		t2 := time.Now()
		cuts += crashVerify(t, it, dir, acked, probed)
		t.Logf("iteration %d: child %v, verify %v, %d acks", it, t2.Sub(t1).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond), len(acks))
	}
	if total == 0 {
		t.Fatal("no fragment was acknowledged: the test tested nothing")
	}
	t.Logf("%d iterations: %d fragments acknowledged, %d torn tails cut at open", iterations, total, cuts)
}

// runCrashChild runs the child for a while, kills it and returns its
// acknowledgement and error lines.
func runCrashChild(t *testing.T, dir string, seed uint64, wait time.Duration) (acks, errs []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvSeed+"="+strconv.FormatUint(seed, 10))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(out)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return // a line the kill cut short is no acknowledgement
			}
			l = strings.TrimSuffix(l, "\n")
			switch {
			case l == "READY":
				close(ready)
			case strings.HasPrefix(l, "A "):
				acks = append(acks, l)
			case strings.HasPrefix(l, "ERR "):
				errs = append(errs, l)
			}
		}
	}()
	select {
	case <-ready:
	case <-done:
		cmd.Wait()
		t.Fatalf("the child ended before it was ready:\n%s", stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("the child did not open the store within a minute")
	}
	time.Sleep(wait)
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	err = cmd.Wait()
	<-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("the child ended on its own (%v):\n%s", err, stderr.String())
	}
	return acks, errs
}

// crashVerify opens the store after a kill and checks it; it returns the
// number of torn tails cut.
func crashVerify(t *testing.T, it int, dir string, acked map[string]map[uint64]crashAck, probed map[string]bool) int {
	t.Helper()
	cuts, err := verifyAcked(dir, crashConfig(), acked, probed, peer.FFprobe(t))
	if err != nil {
		t.Fatalf("iteration %d: %v", it, err)
	}
	return cuts
}

// parseAck reads an acknowledgement line "A camera number server frames".
func parseAck(line string, acked map[string]map[uint64]crashAck) error {
	var cam string
	var n uint64
	var ack crashAck
	if _, err := fmt.Sscanf(line, "A %s %d %d %d", &cam, &n, &ack.server, &ack.frames); err != nil {
		return fmt.Errorf("ack %q: %v", line, err)
	}
	if acked[cam] == nil {
		acked[cam] = map[uint64]crashAck{}
	}
	if prev, ok := acked[cam][n]; ok && prev != ack {
		return fmt.Errorf("%s: fragment number %d acknowledged twice: %+v and %+v", cam, n, prev, ack)
	}
	acked[cam][n] = ack
	return nil
}

// verifyAcked opens the store in dir after a crash and checks that every
// acknowledged fragment that retention has not deleted is indexed as it was
// acknowledged, that every segment file holds exactly its indexed
// fragments, and that ffprobe plays each segment file (not yet played at
// its size) with the frames the index counts. It returns the number of
// torn writes the open cut.
func verifyAcked(dir string, opts Options, acked map[string]map[uint64]crashAck, probed map[string]bool, ffprobeBin string) (int, error) {
	s, err := Open(dir, opts)
	if err != nil {
		return 0, fmt.Errorf("open after the crash: %w", err)
	}
	defer s.Close()
	cuts := 0
	for _, d := range s.Damage() {
		// A crash may leave a fragment or a new segment file half written,
		// or a segment retention had unindexed but not yet unlinked; never
		// an indexed fragment without its bytes.
		switch {
		case strings.Contains(d.What, "cut"), strings.Contains(d.What, "without a readable init"):
			cuts++
		case strings.Contains(d.What, "retention had deleted"):
		default:
			return cuts, fmt.Errorf("a crash must cost at most the fragment being written: %+v", d)
		}
	}
	for cam, acks := range acked {
		frs, err := s.Fragments(cam, Query{})
		if err != nil {
			return cuts, fmt.Errorf("%s: %w", cam, err)
		}
		oldest := uint64(1 << 63)
		if len(frs) > 0 {
			oldest = frs[0].Number
		}
		indexed := map[uint64]Fragment{}
		for _, f := range frs {
			indexed[f.Number] = f
		}
		var missing []uint64
		for n, a := range acks {
			if n < oldest && len(frs) > 0 {
				continue // deleted by retention
			}
			f, ok := indexed[n]
			switch {
			case !ok:
				missing = append(missing, n)
			case f.Server.UnixNano() != a.server || f.Frames != a.frames:
				return cuts, fmt.Errorf("%s: fragment %d is %+v, acknowledged as %+v", cam, n, f, a)
			}
		}
		if len(missing) > 0 {
			return cuts, fmt.Errorf("%s: %d acknowledged fragments missing (oldest kept %d), among them %v", cam, len(missing), oldest, missing[:min(5, len(missing))])
		}
		bySeg := map[uint64][]Fragment{}
		for _, f := range frs {
			bySeg[f.Segment] = append(bySeg[f.Segment], f)
		}
		camDir := filepath.Join(dir, "cameras", cam)
		files, _ := listSegmentFiles(camDir)
		if len(files) != len(bySeg) {
			return cuts, fmt.Errorf("%s: %d segment files, %d segments indexed", cam, len(files), len(bySeg))
		}
		for id, want := range bySeg {
			path := segmentPath(camDir, id)
			b, err := os.ReadFile(path)
			if err != nil {
				return cuts, err
			}
			res, err := scanSegment(bytes.NewReader(b), int64(len(b)), 0)
			if err != nil || res.problem != nil || len(res.frags) != len(want) {
				return cuts, fmt.Errorf("%s segment %d: %d fragments in the file (%v %v), %d indexed", cam, id, len(res.frags), err, res.problem, len(want))
			}
			frames := 0
			for i, sf := range res.frags {
				if sf.Number != want[i].Number || sf.off != want[i].Offset {
					return cuts, fmt.Errorf("%s segment %d: the file holds fragment %d at %d, the index %d at %d", cam, id, sf.Number, sf.off, want[i].Number, want[i].Offset)
				}
				frames += want[i].Frames
			}
			key := fmt.Sprintf("%s/%d", path, len(b))
			if probed[key] {
				continue
			}
			probed[key] = true
			got, err := probeFrames(ffprobeBin, path)
			if err != nil || got != frames {
				return cuts, fmt.Errorf("%s segment %d plays %d frames (%v), its fragments hold %d", cam, id, got, err, frames)
			}
		}
	}
	return cuts, nil
}
