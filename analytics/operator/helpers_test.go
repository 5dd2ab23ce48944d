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
	r, err := New(h.q, Options{Limits: h.p.Limits, Sink: h.sink, Open: h.open})
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

func (h *harness) sink(e Emitted) {
	switch e.Kind {
	case Result:
		h.out = append(h.out, string(record.AppendJSON(nil, h.q.Fields(), e.Row)))
	case Late:
		data := e.Data
		if data == nil {
			data = record.AppendJSON(nil, h.r.LateFields(), e.Row)
		}
		h.out = append(h.out, "late "+string(data))
	}
}

func at(sec float64) time.Time { return time.Unix(0, int64(sec*1e9)).UTC() }

// push pushes a record of input 0 arriving at second arrival with partition key key.
func (h *harness) push(arrival float64, key, data string) { h.pushTo(0, arrival, key, data) }

func (h *harness) pushTo(input int, arrival float64, key, data string) {
	h.t.Helper()
	if err := h.r.Push(input, []byte(data), record.Meta{Arrival: at(arrival), Key: key}); err != nil {
		h.t.Logf("push %s: %v", data, err)
	}
}

func (h *harness) advance(sec float64) { h.r.Advance(at(sec)) }

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
