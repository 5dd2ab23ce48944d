package operator

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
)

// snapshotCases are queries with every kind of state: windows of each kind over event and
// arrival time, emit policies, late rows, stateful functions, joins and tables kept from
// streams.
var snapshotCases = []struct{ name, ddl, query string }{
	{"tumble", readingsDDL + `CREATE STREAM late_r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '3s', idle_timeout = '20s');`,
		`CREATE QUERY q AS INSERT INTO out SELECT device, COUNT(*) AS n, SUM(v) AS s, window_end FROM late_r
		 GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND) EMIT LATE INTO late`},
	{"hop-every-ordered", readingsDDL, `SELECT device, AVG(v) AS a, MEDIAN(v) AS m, window_start FROM r
		GROUP BY device, HOP(ts, INTERVAL '20' SECOND, INTERVAL '5' SECOND) ORDER BY a DESC LIMIT 2 EMIT EVERY INTERVAL '3' SECOND`},
	{"session-update", readingsDDL, `SELECT device, COUNT(*) AS n, MAX(v) AS m, window_start, window_end FROM r
		GROUP BY device, SESSION(ts, INTERVAL '4' SECOND, INTERVAL '30' SECOND) EMIT ON UPDATE`},
	{"slide-time", readingsDDL + `CREATE STREAM lr (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '2s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, STDDEV(v) AS sd FROM lr GROUP BY device, SLIDE(ts, INTERVAL '6' SECOND)`},
	{"slide-rows", readingsDDL, `SELECT device, MIN(v) AS lo, COUNT(DISTINCT v) AS d FROM r GROUP BY device, SLIDE(ROWS 3)`},
	{"count", readingsDDL, `SELECT device, SUM(v) AS s, window_end FROM r GROUP BY device, COUNTWINDOW(4, 2)`},
	{"arrival", `CREATE STREAM a (device STRING, v BIGINT);`, `SELECT COUNT(*) AS n, SUM(v) AS s, window_end FROM a GROUP BY TUMBLE(INTERVAL '7' SECOND)`},
	{"stateful", readingsDDL, `SELECT device, v, LAG(v, 2, INTERVAL '20' SECOND) AS p, ANOMALY_SCORE(v, INTERVAL '1' MINUTE, 8) AS sc FROM r WHERE CHANGED(v, INTERVAL '9' SECOND)`},
	{"stream-join", zonesDDL, `SELECT b.person, m.zone, COUNT(*) AS n FROM badges b LEFT JOIN motion m
		ON b.zone = m.zone AND m.ts BETWEEN b.ts - INTERVAL '5' SECOND AND b.ts + INTERVAL '5' SECOND
		GROUP BY b.person, m.zone, TUMBLE(b.ts, INTERVAL '15' SECOND)`},
	{"table-from-stream", readingsDDL + `CREATE TABLE cfg WITH (source = 'configs', key = 'device', max_keys = 3);`,
		`SELECT x.device, x.v, c.cap FROM r x LEFT JOIN cfg c ON x.device = c.device`},
}

// op is one step of a generated run.
type op struct {
	input   int
	arrival float64
	key     string
	data    string
	advance bool
}

// genOps makes a run of rows with times out of order, several keys, and pauses.
func genOps(rng *rand.Rand, inputs int, n int) []op {
	var ops []op
	clock := 0.0
	for range n {
		clock += rng.Float64() * 2
		if rng.IntN(12) == 0 {
			clock += rng.Float64() * 30
			ops = append(ops, op{arrival: clock, advance: true})
			continue
		}
		dev := fmt.Sprintf("d%d", rng.IntN(5))
		evt := clock - rng.Float64()*6
		in := rng.IntN(inputs)
		var data string
		switch in {
		case 0:
			data = fmt.Sprintf(`{"device":%q,"zone":"z%d","person":%q,"v":%d,"ts":%.3f}`, dev, rng.IntN(3), dev, rng.IntN(9), evt)
		default:
			data = fmt.Sprintf(`{"device":%q,"zone":"z%d","level":%d,"cap":%d,"ts":%.3f}`, dev, rng.IntN(3), rng.IntN(9), rng.IntN(100), evt)
		}
		ops = append(ops, op{input: in, arrival: clock, key: dev, data: data})
	}
	return ops
}

type emitted struct {
	seq  uint64
	kind Kind
	text string
}

func runOps(t *testing.T, h *harness, ops []op, restoreAt func(int) bool) []emitted {
	t.Helper()
	var out []emitted
	sink := func(e Emitted) {
		text := string(e.Data)
		if e.Kind == Result || e.Data == nil {
			fields := h.q.Fields()
			if e.Kind == Late {
				fields = h.r.LateFields()
			}
			text = string(record.AppendJSON(nil, fields, e.Row))
		}
		out = append(out, emitted{e.Seq, e.Kind, text})
	}
	newRunner := func() *Runner {
		r, err := New(h.q, Options{Limits: h.p.Limits, Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := newRunner()
	for i, o := range ops {
		if restoreAt(i) {
			snap, err := r.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			r = newRunner()
			if err := r.Restore(snap); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if o.advance {
			r.Advance(at(o.arrival))
			continue
		}
		_ = r.Push(o.input, []byte(o.data), record.Meta{Arrival: at(o.arrival), Key: o.key})
	}
	r.Flush()
	return out
}

// TestSnapshotRandom runs generated input through each case twice: straight, and stopped,
// snapshotted and restored into a new runner at random steps. The results, their numbers
// included, must be the same.
func TestSnapshotRandom(t *testing.T) {
	for _, c := range snapshotCases {
		t.Run(c.name, func(t *testing.T) {
			p, q := planQuery(t, plan.Limits{MaxGroups: 6, MaxKeys: 4, MaxRows: 12}, c.ddl, c.query)
			h := &harness{t: t, p: p, q: q}
			h.r = h.runner()
			for seed := range uint64(20) {
				rng := rand.New(rand.NewPCG(seed, 7))
				ops := genOps(rng, len(q.Inputs), 300)
				want := runOps(t, h, ops, func(int) bool { return false })
				got := runOps(t, h, ops, func(int) bool { return rng.IntN(5) == 0 })
				if len(want) == 0 {
					t.Fatalf("seed %d: nothing emitted", seed)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("seed %d: with restores\n%v\nwithout\n%v", seed, got, want)
				}
			}
		})
	}
}

func TestRestoreRefuses(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n FROM r GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND)`)
	h.push(1, "a", rd("a", 1, 1))
	snap, err := h.r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	other := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n FROM r GROUP BY device, TUMBLE(ts, INTERVAL '20' SECOND)`)
	bad := map[string][]byte{
		"another query": nil,
		"empty":         {},
		"truncated":     snap[:len(snap)-1],
		"trailing":      append(bytes.Clone(snap), 0),
		"version":       append(append([]byte(snapshotMagic), 9), snap[5:]...),
	}
	for name, b := range bad {
		r := h.runner()
		if name == "another query" {
			r, b = other.r, snap
		}
		before, _ := r.Snapshot()
		err := r.Restore(b)
		if !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: %v, want ErrSnapshot", name, err)
		}
		if after, _ := r.Snapshot(); !bytes.Equal(before, after) {
			t.Errorf("%s: a refused snapshot changed the runner", name)
		}
	}
}

// FuzzRestore feeds Restore mutated snapshots: it refuses or takes them, and never panics,
// and a runner that took one goes on running.
func FuzzRestore(f *testing.F) {
	type made struct {
		h    *harness
		snap []byte
	}
	var runs []made
	for i, c := range snapshotCases {
		p, q := planQuery(f, plan.Limits{MaxGroups: 6, MaxKeys: 4, MaxRows: 12}, c.ddl, c.query)
		h := &harness{t: f, p: p, q: q}
		h.r = h.runner()
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		for _, o := range genOps(rng, len(q.Inputs), 60) {
			if o.advance {
				h.r.Advance(at(o.arrival))
			} else {
				_ = h.r.Push(o.input, []byte(o.data), record.Meta{Arrival: at(o.arrival), Key: o.key})
			}
		}
		snap, err := h.r.Snapshot()
		if err != nil {
			f.Fatal(err)
		}
		runs = append(runs, made{h, snap})
		f.Add(uint8(i), snap)
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		m := runs[int(which)%len(runs)]
		var sink []string
		r, err := New(m.h.q, Options{Limits: m.h.p.Limits, Sink: func(e Emitted) { sink = append(sink, fmt.Sprint(e.Seq)) }})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Restore(b); err != nil {
			if !errors.Is(err, ErrSnapshot) || !strings.HasPrefix(err.Error(), "operator: bad snapshot") {
				t.Fatalf("error %v does not wrap ErrSnapshot", err)
			}
			return
		}
		rng := rand.New(rand.NewPCG(3, 3))
		for _, o := range genOps(rng, len(m.h.q.Inputs), 40) {
			if o.advance {
				r.Advance(at(o.arrival))
			} else {
				_ = r.Push(o.input, []byte(o.data), record.Meta{Arrival: at(o.arrival), Key: o.key})
			}
		}
		r.Flush()
		_, _ = r.Snapshot()
	})
}
