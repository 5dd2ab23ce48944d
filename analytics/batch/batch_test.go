package batch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// runSQL plans src over a schemaless stream "doors" of records and returns the result rows
// as text.
func runSQL(t *testing.T, limits plan.Limits, src string, recs []string, keys []string) ([]string, Stats, error) {
	t.Helper()
	p := plan.New(&schema.Map{Stored: func(string) bool { return true }})
	p.Limits = limits
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := p.Plan(st, plan.History)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	in := &sliceRecords{}
	for i, r := range recs {
		in.data = append(in.data, []byte(r))
		key := ""
		if keys != nil {
			key = keys[i]
		}
		in.meta = append(in.meta, record.Meta{Arrival: time.UnixMilli(int64(i) * 1000).UTC(), Key: key})
	}
	var out []string
	q := pl.(*plan.Query)
	stats, err := Run(context.Background(), q, limits, []Records{in}, time.Unix(0, 0), func(row value.Row) error {
		out = append(out, string(record.AppendJSON(nil, q.Fields(), row)))
		return nil
	})
	return out, stats, err
}

func TestSchemalessAndStateful(t *testing.T) {
	recs := []string{
		`{"door":"front","open":true,"t":20}`,
		`{"door":"back","open":false,"t":21}`,
		`not json`,
		`{"door":"front","open":false,"t":35,"extra":{"a":1}}`,
		`{"door":"front","open":false,"t":36}`,
	}
	keys := []string{"front", "back", "x", "front", "front"}
	out, stats, err := runSQL(t, plan.DefaultLimits(),
		"SELECT *, LAG(t, INTERVAL '1' HOUR) AS prev, CHANGED(open, INTERVAL '1' HOUR) AS ch FROM doors WHERE door = 'front'", recs, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"door":"front","open":true,"t":20,"prev":null,"ch":true}`,
		`{"door":"front","open":false,"t":35,"extra":{"a":1},"prev":20,"ch":true}`,
		`{"door":"front","open":false,"t":36,"prev":35,"ch":false}`,
	}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
	if stats.Skipped != 1 || stats.RowsIn != 4 || stats.RowsOut != 3 {
		t.Errorf("stats %+v", stats)
	}
}

func readings(n int) []string {
	var recs []string
	for i := range n {
		recs = append(recs, fmt.Sprintf(`{"d":"d%d","v":%d,"ts":%d}`, i%7, (i*37)%101, int64(1795766400000)+int64(i)*20000))
	}
	return recs
}

func TestWindowOrderLimit(t *testing.T) {
	// ORDER BY and LIMIT apply within each window: the top 2 devices of each 1-minute window.
	out, _, err := runSQL(t, plan.DefaultLimits(),
		"SELECT window_start, d, MAX(v) AS m FROM doors GROUP BY d, TUMBLE(TO_TIMESTAMP(ts / 1000), INTERVAL '1' MINUTE) ORDER BY m DESC LIMIT 2",
		readings(9), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Rows i = 0…8 at 20 s apart: d = i mod 7, v = 37i mod 101; within each window the best first.
	want := []string{
		`{"window_start":"2026-11-27T08:00:00Z","d":"d2","m":74}`,
		`{"window_start":"2026-11-27T08:00:00Z","d":"d1","m":37}`,
		`{"window_start":"2026-11-27T08:01:00Z","d":"d5","m":84}`,
		`{"window_start":"2026-11-27T08:01:00Z","d":"d4","m":47}`,
		`{"window_start":"2026-11-27T08:02:00Z","d":"d1","m":94}`,
		`{"window_start":"2026-11-27T08:02:00Z","d":"d0","m":57}`,
	}
	if got := strings.Join(out, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestTopNMatchesSort(t *testing.T) {
	recs := readings(500)
	all, _, err := runSQL(t, plan.DefaultLimits(), "SELECT d, v, ts FROM doors ORDER BY v DESC, d", recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 7, 100, 600} {
		top, _, err := runSQL(t, plan.DefaultLimits(), fmt.Sprintf("SELECT d, v, ts FROM doors ORDER BY v DESC, d LIMIT %d", n), recs, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := all[:min(n, len(all))]
		if strings.Join(top, "\n") != strings.Join(want, "\n") {
			t.Errorf("LIMIT %d: the heap's rows differ from the sorted prefix", n)
		}
	}
}

func TestLimits(t *testing.T) {
	small := plan.Limits{MaxGroups: 3, MaxKeys: 2, MaxRows: 10}
	recs := readings(50)
	for _, src := range []string{
		"SELECT d, COUNT(*) FROM doors GROUP BY d",
		"SELECT d, v FROM doors ORDER BY v",
	} {
		if _, _, err := runSQL(t, small, src, recs, nil); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: err = %v, want ErrLimit", src, err)
		}
	}
	keys := make([]string, len(recs))
	for i := range keys {
		keys[i] = fmt.Sprint(i % 5)
	}
	if _, _, err := runSQL(t, small, "SELECT LAG(v, INTERVAL '1' HOUR) FROM doors", recs, keys); !errors.Is(err, ErrLimit) {
		t.Errorf("stateful keys: err = %v, want ErrLimit", err)
	}
	// Within the limits, the same queries run; a LIMIT keeps ORDER BY bounded.
	if out, _, err := runSQL(t, small, "SELECT d, v FROM doors ORDER BY v LIMIT 3", recs, nil); err != nil || len(out) != 3 {
		t.Errorf("ORDER BY … LIMIT 3: %d rows, %v", len(out), err)
	}
}

func TestUnsupportedAndCancel(t *testing.T) {
	_, _, err := runSQL(t, plan.DefaultLimits(), "SELECT COUNT(*) FROM doors GROUP BY SESSION(INTERVAL '1' MINUTE)", readings(3), nil)
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("SESSION: %v", err)
	}
	p := plan.New(&schema.Map{Stored: func(string) bool { return true }})
	st, _ := parser.ParseStatement("SELECT d FROM doors")
	pl, _ := p.Plan(st, plan.History)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := &sliceRecords{}
	for _, r := range readings(1000) {
		in.data, in.meta = append(in.data, []byte(r)), append(in.meta, record.Meta{})
	}
	_, err = Run(ctx, pl.(*plan.Query), p.Limits, []Records{in}, time.Now(), func(value.Row) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled run: %v", err)
	}
	// A stateless query with LIMIT stops reading when it has its rows.
	pl2, _ := p.Plan(mustParse(t, "SELECT d FROM doors LIMIT 5"), plan.History)
	in.i = 0
	stats, err := Run(context.Background(), pl2.(*plan.Query), p.Limits, []Records{in}, time.Now(), func(value.Row) error { return nil })
	if err != nil || stats.RowsOut != 5 || stats.RowsIn != 5 {
		t.Errorf("LIMIT 5: %+v, %v", stats, err)
	}
}

func mustParse(t *testing.T, src string) ast.Statement {
	t.Helper()
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A row without a time is counted when a window cannot take it, and kept by a query that
// only steps stateful functions (their values are NULL for it), never dropped unnoticed.
func TestRowsWithoutTime(t *testing.T) {
	cat := &schema.Map{}
	p := plan.New(cat)
	st, _ := parser.ParseStatement("CREATE STREAM doors WITH (timestamp = 'ts')")
	src, err := p.Plan(st, plan.History)
	if err != nil {
		t.Fatal(err)
	}
	cat.Add(src.(*schema.Source))
	recs := []string{`{"v":1,"ts":"2026-11-27T08:00:01Z"}`, `{"v":2}`, `{"v":3,"ts":"2026-11-27T08:00:03Z"}`}
	run := func(sql string) ([]string, Stats) {
		t.Helper()
		pl, err := p.Plan(mustParse(t, sql), plan.History)
		if err != nil {
			t.Fatal(err)
		}
		q := pl.(*plan.Query)
		in := &sliceRecords{}
		for _, r := range recs {
			in.data, in.meta = append(in.data, []byte(r)), append(in.meta, record.Meta{Key: "a"})
		}
		var out []string
		stats, err := Run(context.Background(), q, p.Limits, []Records{in}, time.Now(), func(row value.Row) error {
			out = append(out, string(record.AppendJSON(nil, q.Fields(), row)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, stats
	}
	if out, stats := run("SELECT COUNT(*) AS n FROM doors GROUP BY TUMBLE(INTERVAL '1' MINUTE)"); strings.Join(out, " ") != `{"n":2}` || stats.NoTime != 1 {
		t.Errorf("window: %v, %+v", out, stats)
	}
	out, stats := run("SELECT v, LAG(v, INTERVAL '1' HOUR) AS prev FROM doors")
	if got := strings.Join(out, " "); got != `{"v":1,"prev":null} {"v":2,"prev":null} {"v":3,"prev":1}` || stats.NoTime != 1 {
		t.Errorf("stateful: %s, %+v", got, stats)
	}
}

// A table loaded from a CSV file with a header line joins by the names in its header.
func TestCSVTableJoin(t *testing.T) {
	cat := &schema.Map{Stored: func(name string) bool { return name == "doors" }}
	p := plan.New(cat)
	st, _ := parser.ParseStatement("CREATE TABLE rooms WITH (file = 'rooms.csv', key = 'device')")
	src, err := p.Plan(st, plan.History)
	if err != nil {
		t.Fatal(err)
	}
	cat.Add(src.(*schema.Source))
	pl, err := p.Plan(mustParse(t, "SELECT d.v, r.room, r.floor + 1 AS up FROM doors d JOIN rooms r ON d.device = r.device"), plan.History)
	if err != nil {
		t.Fatal(err)
	}
	q := pl.(*plan.Query)
	doors := &sliceRecords{data: [][]byte{[]byte(`{"device":"d2","v":1}`), []byte(`{"device":"d9","v":2}`)}, meta: make([]record.Meta, 2)}
	rooms := &sliceRecords{data: [][]byte{[]byte("room,device,floor"), []byte("hall,d1,0"), []byte("lab,d2,3")}, meta: make([]record.Meta, 3)}
	var out []string
	if _, err := Run(context.Background(), q, p.Limits, []Records{doors, rooms}, time.Now(), func(row value.Row) error {
		out = append(out, string(record.AppendJSON(nil, q.Fields(), row)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out, " "); got != `{"v":1,"room":"lab","up":4}` {
		t.Errorf("got %s", got)
	}
}
