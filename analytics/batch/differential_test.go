package batch

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the reference engine, for tests only

	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// sliceRecords serves records from memory.
type sliceRecords struct {
	data [][]byte
	meta []record.Meta
	i    int
}

func (s *sliceRecords) Next() ([]byte, record.Meta, bool, error) {
	if s.i >= len(s.data) {
		return nil, record.Meta{}, false, nil
	}
	s.i++
	return s.data[s.i-1], s.meta[s.i-1], true, nil
}

// dataset is generated readings and rooms, as JSON records for us and as rows in sqlite.
type dataset struct {
	readings, rooms [][]byte
	meta            []record.Meta
	db              *sql.DB
}

const baseMillis int64 = 1795766400000 // 2026-11-27T08:00:00Z

func generate(t testing.TB, seed uint64, n int) *dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, stmt := range []string{
		"PRAGMA case_sensitive_like = ON",
		"CREATE TABLE readings (device TEXT, temp REAL, hum REAL, n INTEGER, ok INTEGER, ts INTEGER, note TEXT)",
		"CREATE TABLE rooms (device TEXT, room TEXT, floor INTEGER)",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	ds := &dataset{db: db}
	maybe := func(p float64, v any) any {
		if rng.Float64() < p {
			return nil
		}
		return v
	}
	notes := []string{"alpha", "Beta", "abc", "a_c", "x%y", "axbyc", "", "gamma ray", "b_c", "ABC", "100%", "a%b"}
	tx, _ := db.Begin()
	ins, _ := tx.Prepare("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)")
	for i := range n {
		device := maybe(0.05, fmt.Sprintf("d%d", rng.IntN(12)))
		temp := maybe(0.1, math.Round((rng.NormFloat64()*8+22)*100)/100)
		hum := math.Round(rng.Float64()*1000) / 10
		num := maybe(0.1, int64(rng.IntN(41)-20))
		ok := maybe(0.2, rng.IntN(2) == 1)
		ts := baseMillis + int64(i)*2500 + int64(rng.IntN(2000))
		note := maybe(0.1, notes[rng.IntN(len(notes))])
		fields := []string{}
		add := func(k string, v any) {
			if v == nil {
				if rng.IntN(2) == 0 {
					fields = append(fields, fmt.Sprintf("%q:null", k)) // NULL written, or the member left out
				}
				return
			}
			j := value.AppendJSON(nil, toValue(v))
			fields = append(fields, fmt.Sprintf("%q:%s", k, j))
		}
		add("device", device)
		add("temp", temp)
		add("hum", hum)
		add("n", num)
		add("ok", ok)
		add("ts", time.UnixMilli(ts).UTC().Format(time.RFC3339Nano))
		add("note", note)
		rng.Shuffle(len(fields), func(a, b int) { fields[a], fields[b] = fields[b], fields[a] })
		ds.readings = append(ds.readings, []byte("{"+strings.Join(fields, ",")+"}"))
		key, _ := device.(string)
		ds.meta = append(ds.meta, record.Meta{Arrival: time.UnixMilli(ts + 50).UTC(), Key: key, Seq: fmt.Sprintf("%056d", i), Shard: "shardId-000000000000"})
		var okInt any
		if ok != nil {
			okInt = map[bool]int{false: 0, true: 1}[ok.(bool)]
		}
		if _, err := ins.Exec(device, temp, hum, num, okInt, ts, note); err != nil {
			t.Fatal(err)
		}
	}
	insRoom, _ := tx.Prepare("INSERT INTO rooms VALUES (?, ?, ?)")
	for d := range 10 { // d10 and d11 have no room
		device, room, floor := fmt.Sprintf("d%d", d), fmt.Sprintf("room %d", d%4), int64(d%3)
		ds.rooms = append(ds.rooms, []byte(fmt.Sprintf(`{"device":%q,"room":%q,"floor":%d}`, device, room, floor)))
		if _, err := insRoom.Exec(device, room, floor); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ds
}

func toValue(v any) value.Value {
	switch v := v.(type) {
	case string:
		return value.String(v)
	case float64:
		return value.Double(v)
	case int64:
		return value.Int(v)
	case bool:
		return value.Bool(v)
	}
	return value.Null
}

// ourRows runs a query through parser, planner and batch executor.
func (ds *dataset) ourRows(t *testing.T, p *plan.Planner, src string) [][]any {
	t.Helper()
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	pl, err := p.Plan(st, plan.History)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	q := pl.(*plan.Query)
	inputs := []Records{&sliceRecords{data: ds.readings, meta: ds.meta}}
	if len(q.Inputs) > 1 {
		inputs = append(inputs, &sliceRecords{data: ds.rooms, meta: make([]record.Meta, len(ds.rooms))})
	}
	var rows [][]any
	_, err = Run(context.Background(), q, p.Limits, inputs, time.Now(), func(row value.Row) error {
		out := make([]any, len(row))
		for i, v := range row {
			out[i] = normal(v)
		}
		rows = append(rows, out)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return rows
}

// normal maps our values to the forms sqlite returns: booleans as 0 and 1, timestamps as
// Unix milliseconds.
func normal(v value.Value) any {
	switch v.Kind() {
	case value.KindNull:
		return nil
	case value.KindBool:
		if v.AsBool() {
			return int64(1)
		}
		return int64(0)
	case value.KindInt:
		return v.AsInt()
	case value.KindDouble:
		return v.AsDouble()
	case value.KindString:
		return v.AsString()
	case value.KindTimestamp:
		return v.AsNanos() / 1e6
	}
	return v.String()
}

func (ds *dataset) sqliteRows(t *testing.T, src string) [][]any {
	t.Helper()
	rows, err := ds.db.Query(src)
	if err != nil {
		t.Fatalf("sqlite: %s: %v", src, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// same compares two cells: numbers within a relative 1e-9 (as int or float alike).
func same(a, b any) bool {
	fa, okA := asFloat(a)
	fb, okB := asFloat(b)
	if okA && okB {
		return fa == fb || math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Abs(fb))
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

func rowKey(r []any) string {
	parts := make([]string, len(r))
	for i, v := range r {
		if f, ok := asFloat(v); ok {
			parts[i] = fmt.Sprintf("%.9g", f)
		} else {
			parts[i] = fmt.Sprintf("%T:%v", v, v)
		}
	}
	return strings.Join(parts, "|")
}

func compareRows(t *testing.T, name string, ours, theirs [][]any, ordered bool) {
	t.Helper()
	if !ordered {
		sort.Slice(ours, func(i, j int) bool { return rowKey(ours[i]) < rowKey(ours[j]) })
		sort.Slice(theirs, func(i, j int) bool { return rowKey(theirs[i]) < rowKey(theirs[j]) })
	}
	if len(ours) != len(theirs) {
		t.Errorf("%s: %d rows, sqlite %d", name, len(ours), len(theirs))
		return
	}
	if len(ours) == 0 {
		t.Errorf("%s: no rows on either side: the case tests nothing", name)
	}
	for i := range ours {
		if len(ours[i]) != len(theirs[i]) {
			t.Errorf("%s row %d: %d columns, sqlite %d", name, i, len(ours[i]), len(theirs[i]))
			return
		}
		for c := range ours[i] {
			if !same(ours[i][c], theirs[i][c]) {
				t.Errorf("%s row %d column %d: %v, sqlite %v\n ours:   %v\n sqlite: %v", name, i, c+1, ours[i][c], theirs[i][c], ours[i], theirs[i])
				return
			}
		}
	}
}

func differentialPlanner(t testing.TB) *plan.Planner {
	cat := &schema.Map{}
	p := plan.New(cat)
	script, err := parser.Parse(`
		CREATE STREAM readings (device STRING, temp DOUBLE, hum DOUBLE, n BIGINT, ok BOOLEAN, ts TIMESTAMP, note STRING)
		  WITH (timestamp = 'ts');
		CREATE TABLE rooms (device STRING, room STRING, floor BIGINT) WITH (file = 'rooms.json', key = 'device')`)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range script {
		pl, err := p.Plan(st, plan.History)
		if err != nil {
			t.Fatal(err)
		}
		cat.Add(pl.(*schema.Source))
	}
	return p
}
