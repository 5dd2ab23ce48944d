package query

// The recovery test. A child process (this test binary re-executed with
// -test.run=^TestRecoveryChild$) is a small gateway: it writes a deterministic input into
// two streams, resuming where the last child stopped, and runs continuous queries over
// them (windows with late rows, a filter, sessions backfilled with SINCE, a join of the two
// streams). The parent kills it with SIGKILL at random moments and starts it again on the
// same directory until one child sees every query caught up. The result streams must then
// hold exactly what an uninterrupted run writes: nothing lost, nothing twice.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

const recoveryEnvDir = "TIDEGATE_QUERY_RECOVERY_DIR"

const (
	recoveryReadings = 12000
	recoveryDevices  = 40
)

const recoveryScript = `
CREATE STREAM readings (device STRING, temp DOUBLE, ts TIMESTAMP)
  WITH (source = 'input', timestamp = 'ts', lateness = '2s');
CREATE STREAM badges (device STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE QUERY windows AS INSERT INTO win_out
  SELECT device, COUNT(*) AS n, AVG(temp) AS a, MAX(temp) AS mx, window_end
  FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND)
  EMIT LATE INTO late_out;
CREATE QUERY hot AS INSERT INTO hot_out SELECT device, temp, ts FROM readings WHERE temp > 27;
CREATE QUERY visits AS INSERT INTO visit_out
  SELECT device, COUNT(*) AS n, window_start, window_end
  FROM readings SINCE '1970-01-02T00:00:00Z' GROUP BY device, SESSION(ts, INTERVAL '3' SECOND);
CREATE QUERY seen AS INSERT INTO join_out
  SELECT b.device, r.temp, r.ts FROM badges b JOIN readings r
  ON b.device = r.device AND r.ts BETWEEN b.ts - INTERVAL '1' SECOND AND b.ts + INTERVAL '1' SECOND;
`

var recoveryOutputs = []string{"win_out", "late_out", "hot_out", "visit_out", "join_out"}

// recoveryTime is the event time of the i-th reading in Unix milliseconds: twenty readings
// a second, with a pause of five seconds every 200, which ends the devices' sessions.
func recoveryTime(i int) int64 {
	return 1_800_000_000_000 + int64(i)*50 + int64(i/200)*5000
}

// recoveryReading is the i-th reading: device i mod 40 (a reading every two seconds of
// each), every 37th twenty seconds old (late).
func recoveryReading(i int) (key string, data []byte) {
	dev := fmt.Sprintf("d%02d", i%recoveryDevices)
	ms := recoveryTime(i)
	if i%37 == 36 {
		ms -= 20_000
	}
	temp := 20 + float64((i*7919)%100)/10
	return dev, fmt.Appendf(nil, `{"device":%q,"temp":%g,"ts":%d}`, dev, temp, ms)
}

// recoveryBadge is the j-th badge: of reading 10j's device, at its time.
func recoveryBadge(j int) (key string, data []byte) {
	i := 10 * j
	dev := fmt.Sprintf("d%02d", i%recoveryDevices)
	return dev, fmt.Appendf(nil, `{"device":%q,"ts":%d}`, dev, recoveryTime(i))
}

// TestRecoveryChild is the child of TestRecovery; it skips unless started by it.
func TestRecoveryChild(t *testing.T) {
	dir := os.Getenv(recoveryEnvDir)
	if dir == "" {
		t.Skip("only runs as the child process of TestRecovery")
	}
	go func() { // never outlive the parent
		ppid := os.Getppid()
		for os.Getppid() == ppid {
			time.Sleep(100 * time.Millisecond)
		}
		os.Exit(4)
	}()
	if err := runRecoveryGateway(dir, func(s string) { fmt.Println(s) }); err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// runRecoveryGateway writes what is left of the input, runs the queries until every one is
// at the tips of its inputs, and stops cleanly.
func runRecoveryGateway(dir string, say func(string)) error {
	st, err := shards.Open(filepath.Join(dir, "shards"), shards.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	input, err := ensureStream(st, "input", 2)
	if err != nil {
		return err
	}
	badges, err := ensureStream(st, "badges", 1)
	if err != nil {
		return err
	}
	m := &Manager{Store: st, Dir: filepath.Join(dir, "queries")}
	if err := m.Initialize(); err != nil {
		return err
	}
	defer m.Close()
	p, err := m.Prepare(recoveryScript, "test", false)
	if err != nil {
		return err
	}
	for _, d := range p.Decls {
		m.cat.Declare(d)
	}
	for _, d := range p.Queries {
		if err := m.Create(context.Background(), d); err != nil {
			return err
		}
	}
	m.Run()
	// A query with no checkpoint starts at the tips when its pump starts: wait for that,
	// so that the input written next is all read, as in the uninterrupted run.
	for !started(m) {
		time.Sleep(time.Millisecond)
	}
	say("READY")
	if err := writeRest(input, recoveryReadings, recoveryReading); err != nil {
		return err
	}
	if err := writeRest(badges, recoveryReadings/10, recoveryBadge); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if caughtUp(m) {
			say("DONE")
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the queries did not catch up in a minute")
}

func ensureStream(st *shards.Store, name string, n int) (*shards.Stream, error) {
	s, err := st.Stream(name)
	if errors.Is(err, shards.ErrNotFound) {
		s, err = st.CreateStream(name, shards.StreamConfig{Shards: n})
	}
	return s, err
}

// writeRest writes records from the count the stream holds up to n, a few at a time.
func writeRest(s *shards.Stream, n int, gen func(int) (string, []byte)) error {
	have := 0
	for _, info := range s.Shards() {
		c, err := s.Iterator(info.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			return err
		}
		recs, _, _, err := s.Backlog(c)
		if err != nil {
			return err
		}
		have += int(recs)
	}
	for i := have; i < n; {
		var entries []shards.PutEntry
		for ; i < n && len(entries) < 40; i++ {
			key, data := gen(i)
			entries = append(entries, shards.PutEntry{PartitionKey: key, Data: data})
		}
		if _, err := s.PutRecords(context.Background(), entries); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func started(m *Manager) bool {
	for _, st := range m.List() {
		if st.State == StateStarting {
			return false
		}
	}
	return true
}

func caughtUp(m *Manager) bool {
	for _, st := range m.List() {
		if st.State != StateRunning {
			return false
		}
		for _, in := range st.Inputs {
			if in.LagRecords > 0 {
				return false
			}
		}
	}
	return true
}

func TestRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a few seconds")
	}
	ref := t.TempDir()
	if err := runRecoveryGateway(ref, func(string) {}); err != nil {
		t.Fatal(err)
	}
	want := recoveryResults(t, ref)

	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for run := 0; ; run++ {
		if run == 40 {
			t.Fatal("40 children and no run to the end")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestRecoveryChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), recoveryEnvDir+"="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// The first children are killed at random moments; the last runs to the end,
		// however slow the machine.
		var killAt <-chan time.Time
		if run < 12 {
			killAt = time.After(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		}
		done := false
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				if strings.HasPrefix(l, "ERR") {
					t.Fatalf("child %d: %s", run, l)
				}
				done = done || l == "DONE"
			case <-killAt:
				if !done {
					cmd.Process.Signal(syscall.SIGKILL)
					kills++
				}
				killAt = nil
			}
		}
		err = cmd.Wait()
		if done {
			if err != nil {
				t.Fatalf("child %d after DONE: %v", run, err)
			}
			break
		}
	}
	if kills == 0 {
		t.Fatal("no child was killed: the test proved nothing")
	}
	got := recoveryResults(t, dir)
	for _, name := range recoveryOutputs {
		if len(want[name]) == 0 {
			t.Errorf("%s: the uninterrupted run wrote nothing", name)
		}
		if !slices.Equal(got[name], want[name]) {
			t.Errorf("%s after %d kills: %d records, want %d\n%s", name, kills, len(got[name]), len(want[name]), diffLines(got[name], want[name]))
		}
	}
	t.Logf("%d kills; results: %v", kills, counts(want))
}

// recoveryResults reads the result streams of a run, each sorted: the records of one
// query keep their order, but the order in which queries and shards interleave is not
// the test's business.
func recoveryResults(t *testing.T, dir string) map[string][]string {
	st, err := shards.Open(filepath.Join(dir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[string][]string{}
	for _, name := range recoveryOutputs {
		recs := records(t, st, name)
		slices.Sort(recs)
		out[name] = recs
	}
	return out
}

func counts(m map[string][]string) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

// diffLines shows the first lines in one list and not the other.
func diffLines(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, l := range want {
		if !slices.Contains(got, l) && n < 5 {
			fmt.Fprintf(&b, "  missing %s\n", l)
			n++
		}
	}
	seen := map[string]int{}
	for _, l := range want {
		seen[l]++
	}
	for _, l := range got {
		if seen[l]--; seen[l] < 0 && n < 10 {
			fmt.Fprintf(&b, "  extra   %s\n", l)
			n++
		}
	}
	return b.String()
}
