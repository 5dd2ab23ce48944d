package operator

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
)

// harness runs one continuous query over rows given as JSON, with times in seconds, and
// keeps what it emits as text: "name {json}" for results ("late {json}" for late rows).
type harness struct {
	t     testing.TB
	p     *plan.Planner
	q     *plan.Query
	r     *Runner
	out   []string
	files map[string]string
}

// planQuery plans the statements of ddl (CREATE STREAM/TABLE) and then query, a SELECT
// planned as a continuous query (or a CREATE QUERY).
func planQuery(t testing.TB, limits plan.Limits, ddl, query string) (*plan.Planner, *plan.Query) {
	t.Helper()
	cat := &schema.Map{Stored: func(string) bool { return true }}
	p := plan.New(cat)
	if limits != (plan.Limits{}) {
		p.Limits = limits
	}
	if ddl != "" {
		script, err := parser.Parse(ddl)
		if err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
		for _, st := range script {
			pl, err := p.Plan(st, plan.Continuous)
			if err != nil {
				t.Fatalf("%s: %v", st, err)
			}
			cat.Add(pl.(*schema.Source))
		}
	}
	st, err := parser.ParseStatement(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	pl, err := p.Plan(st, plan.Continuous)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return p, pl.(*plan.Query)
}

func newHarness(t testing.TB, ddl, query string) *harness {
	t.Helper()
	return newHarnessFiles(t, plan.Limits{}, ddl, query, nil)
}

func newHarnessFiles(t testing.TB, limits plan.Limits, ddl, query string, files map[string]string) *harness {
	t.Helper()
	p, q := planQuery(t, limits, ddl, query)
	h := &harness{t: t, p: p, q: q, files: files}
	h.r = h.runner()
	return h
}

func (h *harness) runner() *Runner {
	h.t.Helper()
	return h.runnerTo(&h.out)
}

func (h *harness) runnerTo(out *[]string) *Runner {
	h.t.Helper()
	r, err := New(h.q, Options{Limits: h.p.Limits, Sink: h.sinkTo(out), Open: h.open})
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

func (h *harness) open(path string) (io.ReadCloser, error) {
	text, ok := h.files[path]
	if !ok {
		return nil, fmt.Errorf("no file %s", path)
	}
	return io.NopCloser(strings.NewReader(text)), nil
}

func (h *harness) sinkTo(out *[]string) func(Emitted) {
	return func(e Emitted) {
		switch e.Kind {
		case Result:
			*out = append(*out, string(record.AppendJSON(nil, h.q.Fields(), e.Row)))
		case Late:
			data := e.Data
			if data == nil {
				data = record.AppendJSON(nil, h.r.LateFields(), e.Row)
			}
			*out = append(*out, "late "+string(data))
		}
	}
}

// step runs one push or advance on the runner, and the same on a second runner restored
// from the first's snapshot just before it: both must emit the same rows and end in the
// same state. So every hand-computed case also checks Snapshot and Restore, at every step.
func (h *harness) step(f func(*Runner) error) error {
	h.t.Helper()
	before, err := h.r.Snapshot()
	if err != nil {
		h.t.Fatalf("snapshot: %v", err)
	}
	var shadowOut []string
	shadow := h.runnerTo(&shadowOut)
	if err := shadow.Restore(before); err != nil {
		h.t.Fatalf("restore: %v", err)
	}
	if again, _ := shadow.Snapshot(); !bytes.Equal(again, before) {
		h.t.Fatalf("a restored runner snapshots differently")
	}
	if shadow.Memory() != h.r.Memory() || shadow.Stats() != h.r.Stats() {
		h.t.Fatalf("restored: memory %d, stats %+v; want %d, %+v", shadow.Memory(), shadow.Stats(), h.r.Memory(), h.r.Stats())
	}
	n := len(h.out)
	err = f(h.r)
	_ = f(shadow)
	if got, want := strings.Join(shadowOut, "\n"), strings.Join(h.out[n:], "\n"); got != want {
		h.t.Fatalf("after a restore the runner emitted\n  %s\nwhere it emitted\n  %s", got, want)
	}
	a, _ := h.r.Snapshot()
	b, _ := shadow.Snapshot()
	if !bytes.Equal(a, b) {
		h.t.Fatalf("after a restore and one step the state differs")
	}
	return err
}

func at(sec float64) time.Time { return time.Unix(0, int64(sec*1e9)).UTC() }

// push pushes a record of input 0 arriving at second arrival with partition key key.
func (h *harness) push(arrival float64, key, data string) { h.pushTo(0, arrival, key, data) }

func (h *harness) pushTo(input int, arrival float64, key, data string) {
	h.t.Helper()
	err := h.step(func(r *Runner) error {
		return r.Push(input, []byte(data), record.Meta{Arrival: at(arrival), Key: key})
	})
	if err != nil {
		h.t.Logf("push %s: %v", data, err)
	}
}

func (h *harness) advance(sec float64) {
	h.t.Helper()
	_ = h.step(func(r *Runner) error { r.Advance(at(sec)); return nil })
}

// flush ends the input, on a restored runner too.
func (h *harness) flush() {
	h.t.Helper()
	_ = h.step(func(r *Runner) error { r.Flush(); return nil })
}

// expect checks what was emitted since the last expect.
func (h *harness) expect(want ...string) {
	h.t.Helper()
	got := h.out
	h.out = nil
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("emitted\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// ts is a time in seconds as the result rows print it.
func ts(sec int) string {
	return time.Unix(int64(sec), 0).UTC().Format(time.RFC3339)
}

func jsonLines(lines ...string) string {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
