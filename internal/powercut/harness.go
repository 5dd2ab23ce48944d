//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Workload is a power-cut test of a store. Each cycle mounts the backing
// directory, starts the child test on the mount, cuts the power after a
// random number of acknowledgements or at a random time, kills the child
// (SIGKILL) and cuts the filesystem, then checks the backing directory,
// which is what the power cut left; the next cycle's child starts on it.
type Workload struct {
	// Child is the name of the child test: a Test function that calls
	// StartChild.
	Child string
	// Cycles is the number of cuts: 50 if zero.
	// TIDEGATE_POWERCUT_CYCLES overrides it.
	Cycles int
	// Half of the cycles cut after 1 to MaxAcks acknowledgements (10 if
	// zero), the other half at a random time up to MaxWait (300 ms if
	// zero) after the child was started, its start-up included.
	MaxAcks int
	MaxWait time.Duration
	// Tear tears the last unsynced write at a 512- or 4096-byte boundary
	// in two cycles of three.
	Tear bool
	// Check says whether the backing directory keeps the store's promise
	// after a cut. It runs in the test process, with nothing mounted: the
	// directory is a plain one.
	Check func(c *Cycle) error
}

// Cycle is what a check knows of one cycle.
type Cycle struct {
	N      int      // from 1
	Dir    string   // the backing directory, as the cut left it
	Acks   []string // the child's acknowledgements, in order
	Report *CutReport
}

// Stats sum up a run.
type Stats struct {
	Cycles  int
	Acks    int
	Dropped int
	Torn    int
	Elapsed time.Duration
}

func (s Stats) String() string {
	return fmt.Sprintf("%d cuts in %v (%.1f cuts/s): %d acknowledgements, %d unsynced operations dropped, %d writes torn",
		s.Cycles, s.Elapsed.Round(time.Millisecond), float64(s.Cycles)/s.Elapsed.Seconds(), s.Acks, s.Dropped, s.Torn)
}

// Failure is a failed cycle, with what it takes to replay it.
type Failure struct {
	Seed   uint64
	Cycle  int
	Cut    string // where the power was cut
	Err    error
	Report *CutReport // nil if the cycle failed before its cut
	Replay string     // the command that runs the same schedule again
}

func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "power cut: seed %d, cycle %d, cut %s: %v\nreplay (the same schedule; timing differs): %s\n",
		f.Seed, f.Cycle, f.Cut, f.Err, f.Replay)
	if f.Report != nil {
		b.WriteString(f.Report.String())
	}
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

// Run runs w and fails t with a replayable report at the first cycle that
// breaks the promise. It skips where FUSE cannot be mounted, and fails
// there under CI=true. TIDEGATE_POWERCUT_SEED replays a schedule.
func Run(t *testing.T, w Workload) Stats {
	t.Helper()
	if err := Mountable(); err != nil {
		skipOrFail(t, "power-cut test: %v", err)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TIDEGATE_POWERCUT_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("TIDEGATE_POWERCUT_SEED=%q: %v", v, err)
		}
	}
	t.Logf("seed %d (TIDEGATE_POWERCUT_SEED=%d repeats the schedule, not the timing)", seed, seed)
	st, err := Execute(t, w, seed)
	if errors.Is(err, ErrCannotMount) {
		skipOrFail(t, "power-cut test: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Log(st)
	return st
}

// Execute runs w with seed and returns the first failure, a *Failure; Run
// is what a test calls. The schedule of cycle n depends on seed and n
// alone, so a replay cuts each cycle the same way however the others ran.
func Execute(t testing.TB, w Workload, seed uint64) (Stats, error) {
	cycles := w.Cycles
	if cycles == 0 {
		cycles = 50
	}
	if n, err := strconv.Atoi(os.Getenv("TIDEGATE_POWERCUT_CYCLES")); err == nil && n > 0 {
		cycles = n
	}
	maxAcks, maxWait := w.MaxAcks, w.MaxWait
	if maxAcks == 0 {
		maxAcks = 10
	}
	if maxWait == 0 {
		maxWait = 300 * time.Millisecond
	}
	backing, mnt := filepath.Join(t.TempDir(), "data"), filepath.Join(t.TempDir(), "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return Stats{}, err
		}
	}
	var st Stats
	start := time.Now()
	for n := 1; n <= cycles; n++ {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		p := plan{childSeed: rng.Uint64()}
		if rng.IntN(2) == 0 {
			p.acks = 1 + rng.IntN(maxAcks)
		} else {
			p.wait = time.Duration(rng.Int64N(int64(maxWait) + 1))
		}
		if w.Tear && rng.IntN(3) != 0 {
			p.tear = Tear{Block: []int{512, 4096}[rng.IntN(2)], Pick: rng.IntN}
		}
		cy, err := runCycle(t, w, backing, mnt, n, p)
		if err != nil {
			if errors.Is(err, ErrCannotMount) {
				return st, err
			}
			f := &Failure{Seed: seed, Cycle: n, Cut: p.String(), Err: err, Replay: replay(t, seed)}
			if cy != nil {
				f.Report = cy.Report
			}
			return st, f
		}
		st.Cycles++
		st.Acks += len(cy.Acks)
		st.Dropped += cy.Report.DroppedTotal
		if cy.Report.Torn != "" {
			st.Torn++
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// plan is where one cycle cuts.
type plan struct {
	childSeed uint64
	acks      int           // after this many acknowledgements, or
	wait      time.Duration // this long after the child started
	tear      Tear
}

func (p plan) String() string {
	s := fmt.Sprintf("after %v", p.wait)
	if p.acks > 0 {
		s = fmt.Sprintf("after acknowledgement %d", p.acks)
	}
	if p.tear.Block > 0 {
		s += fmt.Sprintf(", tearing at %d-byte blocks", p.tear.Block)
	}
	return s
}

// runCycle runs one child on a fresh mount and cuts. The cycle it returns
// has the report when the cut happened, whatever failed.
func runCycle(t testing.TB, w Workload, backing, mnt string, n int, p plan) (*Cycle, error) {
	fs, err := Mount(backing, mnt)
	if err != nil {
		return nil, err
	}
	cut := false
	defer func() {
		if !cut {
			fs.Cut(CutOptions{})
		}
	}()
	c, err := startChild(w.Child, mnt, p.childSeed, n)
	if err != nil {
		return nil, err
	}
	if p.acks > 0 {
		c.waitAcks(p.acks, time.Minute)
	} else {
		c.waitExit(p.wait)
	}
	childErr := c.kill()
	cut = true
	rep, err := fs.Cut(CutOptions{Tear: p.tear})
	cy := &Cycle{N: n, Dir: backing, Acks: c.acks, Report: rep}
	switch {
	case childErr != nil:
		return cy, childErr
	case err != nil:
		return cy, err
	case p.acks > 0 && len(c.acks) < p.acks:
		return cy, fmt.Errorf("the child acknowledged %d operations within a minute, not %d", len(c.acks), p.acks)
	}
	return cy, w.Check(cy)
}

// replay is the command that runs the test with the same seed.
func replay(t testing.TB, seed uint64) string {
	dir, _ := os.Getwd()
	return fmt.Sprintf("cd %s && TIDEGATE_POWERCUT_SEED=%d go test -count=1 -run '^%s$' .",
		dir, seed, strings.ReplaceAll(t.Name(), "/", "$/^"))
}
