package query

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFilterQuery(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 2)
	apply(t, m, `CREATE QUERY hot AS INSERT INTO alerts SELECT device, temp FROM sensors WHERE temp > 30`)
	waitState(t, m, "hot", StateRunning)
	put(t, s, "a", reading("a", 20, 1), reading("a", 31, 2))
	put(t, s, "b", reading("b", 35, 3))
	got := waitRecords(t, st, "alerts", 2)
	slices.Sort(got)
	want := []string{`hot {"device":"a","temp":31}`, `hot {"device":"b","temp":35}`}
	if !slices.Equal(got, want) {
		t.Errorf("alerts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	status, err := m.Status("hot")
	if err != nil {
		t.Fatal(err)
	}
	if status.Into != "alerts" || len(status.Inputs) != 1 || len(status.Inputs[0].Shards) != 2 || status.Counters.RowsIn != 3 || status.Counters.RowsOut != 2 {
		t.Errorf("status %+v", status)
	}
}

// A reshard does not reorder a partition key's records: a child shard is read once its
// parents are read to their end.
func TestReadsAcrossReshards(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	apply(t, m, `CREATE QUERY all_rows AS INSERT INTO copy SELECT device, temp FROM sensors`)
	waitState(t, m, "all_rows", StateRunning)
	var want []string
	for round := range 3 {
		for i := range 20 {
			dev := fmt.Sprintf("d%d", i%5)
			put(t, s, dev, reading(dev, float64(100*round+i), i))
			want = append(want, fmt.Sprintf(`all_rows {"device":%q,"temp":%d}`, dev, 100*round+i))
		}
		if round < 2 {
			if err := s.UpdateShardCount([]int{2, 4}[round]); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := waitRecords(t, st, "copy", len(want))
	// Per device, the rows come in the order they were written.
	for _, dev := range []string{"d0", "d1", "d2", "d3", "d4"} {
		if g, w := ofDevice(got, dev), ofDevice(want, dev); !slices.Equal(g, w) {
			t.Errorf("%s:\n%s\nwant\n%s", dev, strings.Join(g, "\n"), strings.Join(w, "\n"))
		}
	}
}

func ofDevice(lines []string, dev string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, `"device":"`+dev+`"`) {
			out = append(out, l)
		}
	}
	return out
}

// SINCE backfills from history, then goes on live; a query without it starts at the tips.
func TestSinceBackfillThenLive(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	put(t, s, "a", reading("a", 1, 1), reading("a", 2, 2))
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	apply(t, m, `CREATE QUERY now_on AS INSERT INTO o1 SELECT temp FROM sensors;
		CREATE QUERY back AS INSERT INTO o2 SELECT temp FROM sensors SINCE '`+since+`'`)
	waitState(t, m, "now_on", StateRunning)
	waitState(t, m, "back", StateRunning) // caught up: one cohort with now_on
	put(t, s, "a", reading("a", 3, 3))
	if got := waitRecords(t, st, "o2", 3); !slices.Equal(got, []string{`back {"temp":1}`, `back {"temp":2}`, `back {"temp":3}`}) {
		t.Errorf("backfilled: %v", got)
	}
	if got := waitRecords(t, st, "o1", 1); !slices.Equal(got, []string{`now_on {"temp":3}`}) {
		t.Errorf("live: %v", got)
	}
}

// A stopped query keeps its place: started again, it reads what came meanwhile.
func TestStopStart(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	apply(t, m, `CREATE QUERY a AS INSERT INTO oa SELECT temp FROM sensors;
		CREATE QUERY b AS INSERT INTO ob SELECT temp FROM sensors`)
	waitState(t, m, "a", StateRunning)
	waitState(t, m, "b", StateRunning)
	put(t, s, "x", reading("x", 1, 1))
	waitRecords(t, st, "oa", 1)
	if err := m.Stop(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "a", StateStopped)
	put(t, s, "x", reading("x", 2, 2))
	waitRecords(t, st, "ob", 2)
	if got := records(t, st, "oa"); len(got) != 1 {
		t.Fatalf("a wrote while stopped: %v", got)
	}
	if err := m.Start(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "x", reading("x", 3, 3))
	if got := waitRecords(t, st, "oa", 3); !slices.Equal(got, []string{`a {"temp":1}`, `a {"temp":2}`, `a {"temp":3}`}) {
		t.Errorf("a: %v", got)
	}
	waitState(t, m, "a", StateRunning) // caught up with b: one cohort again
}

// A changed query without SINCE goes on from where the old one was, its state fresh.
func TestReplaceGoesOn(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	apply(t, m, `CREATE QUERY q AS INSERT INTO o SELECT temp FROM sensors`)
	waitState(t, m, "q", StateRunning)
	put(t, s, "x", reading("x", 1, 1))
	waitRecords(t, st, "o", 1)
	p, err := m.Prepare(`CREATE QUERY q AS INSERT INTO o SELECT temp * 10 AS t10 FROM sensors`, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Replace(context.Background(), p.Queries[0]); err != nil {
		t.Fatal(err)
	}
	put(t, s, "x", reading("x", 2, 2))
	if got := waitRecords(t, st, "o", 2); !slices.Equal(got, []string{`q {"temp":1}`, `q {"t10":20}`}) {
		t.Errorf("o: %v", got)
	}
}

func TestDeleteRemovesCheckpoint(t *testing.T) {
	m, st := testManager(t)
	mustStream(t, st, "sensors", 1)
	apply(t, m, `CREATE QUERY q AS INSERT INTO o SELECT temp FROM sensors`)
	waitState(t, m, "q", StateRunning)
	path := m.pumps["stream:sensors"].path
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(context.Background(), "q"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint left: %v", err)
	}
	if _, err := m.Status("q"); !errors.Is(err, ErrNotFound) {
		t.Errorf("status after delete: %v", err)
	}
}

// A damaged checkpoint stops its queries with the reason, rather than starting them over.
func TestDamagedCheckpoint(t *testing.T) {
	m, st := testManager(t)
	mustStream(t, st, "sensors", 1)
	// A log whose only checkpoint is damaged.
	if err := os.WriteFile(m.Dir+"/streams/sensors.ckpt", []byte("TGQL\x01\x07garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	apply(t, m, `CREATE QUERY q AS INSERT INTO o SELECT temp FROM sensors`)
	st2 := waitState(t, m, "q", StateFailed)
	if !strings.Contains(st2.LastError, "no whole checkpoint") {
		t.Errorf("error %q", st2.LastError)
	}
}

// A query whose input stream is not there yet waits for it.
func TestWaitsForInput(t *testing.T) {
	m, st := testManager(t)
	apply(t, m, `CREATE STREAM later (temp DOUBLE) WITH (source = 'later');
		CREATE QUERY q AS INSERT INTO o SELECT temp FROM later`)
	waitState(t, m, "q", StateWaiting)
	s := mustStream(t, st, "later", 1)
	waitState(t, m, "q", StateRunning)
	put(t, s, "x", `{"temp":4}`)
	waitRecords(t, st, "o", 1)
}

func waitState(t testing.TB, m *Manager, name string, want State) Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := m.Status(name)
		if err == nil && st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s is not %s: %+v %v", name, want, st, err)
		}
		sleepTick()
	}
}

// Closing the manager writes every row emitted before: none waits for a restart.
func TestCloseWritesEverything(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	apply(t, m, `CREATE QUERY q AS INSERT INTO o SELECT temp FROM sensors`)
	waitState(t, m, "q", StateRunning)
	for i := range 50 {
		put(t, s, "x", reading("x", float64(i), i))
	}
	for {
		st, _ := m.Status("q")
		if st.Counters.RowsIn == 50 {
			break
		}
		sleepTick()
	}
	m.Close()
	if got := records(t, st, "o"); len(got) != 50 {
		t.Errorf("after Close the output holds %d rows of 50", len(got))
	}
}
