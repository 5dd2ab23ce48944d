package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/schema"
)

// testPlanner is a planner over: readings (declared, event time ts), motion (declared),
// rooms (a table keyed by device), and the stored, undeclared streams doors and sensors.
func testPlanner(t testing.TB) *Planner {
	t.Helper()
	cat := &schema.Map{Stored: func(name string) bool { return name == "doors" || name == "sensors" || name == "raw" }}
	p := New(cat)
	script, err := parser.Parse(`
		CREATE STREAM readings (device STRING, temp DOUBLE, hum DOUBLE, n BIGINT, ok BOOLEAN, ts TIMESTAMP, payload JSON)
		  WITH (source = 'raw', timestamp = 'ts', lateness = '5s');
		CREATE STREAM motion (zone STRING, ts TIMESTAMP, level DOUBLE) WITH (timestamp = 'ts');
		CREATE STREAM arrivals (zone STRING, v DOUBLE);
		CREATE TABLE rooms (device STRING, room STRING, floor BIGINT) WITH (file = 'rooms.csv', key = 'device');
		CREATE TABLE zones (zone STRING, name STRING) WITH (source = 'zonecfg', key = 'zone');`)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range script {
		pl, err := p.Plan(st, Continuous)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		cat.Add(pl.(*schema.Source))
	}
	return p
}

func planSQL(t testing.TB, p *Planner, src string, mode Mode) (Plan, error) {
	t.Helper()
	st, err := parser.ParseStatement(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return p.Plan(st, mode)
}

func TestPlanErrors(t *testing.T) {
	p := testPlanner(t)
	for _, tc := range []struct {
		mode     Mode
		src, pos string
		msg      string
	}{
		// names and types
		{History, "SELECT tmp FROM readings", "1:8", "unknown column tmp in stream readings (did you mean temp?)"},
		{History, "SELECT xyz FROM readings", "1:8", "unknown column xyz in stream readings (its columns: device, hum, n, ok, payload, temp, ts)"},
		{History, "SELECT r.nope FROM readings r", "1:10", "unknown column nope in stream readings (its columns: device, hum, n, ok, payload, temp, ts)"},
		{History, "SELECT * FROM nowhere", "1:15", "unknown stream or table nowhere"},
		{History, "SELECT device FROM readings WHERE temp > 'hot'", "1:40", "type mismatch: cannot compare DOUBLE with STRING (temp > 'hot')"},
		{History, "SELECT device FROM readings WHERE temp", "1:35", "WHERE needs a condition (a BOOLEAN), found DOUBLE (temp)"},
		{History, "SELECT FOO(temp) FROM readings", "1:8", "unknown function FOO"},
		{History, "SELECT ROUND(temp, 1, 2) FROM readings", "1:8", "ROUND takes 1 or 2 arguments, got 3"},
		{History, "SELECT zone FROM motion m JOIN arrivals a ON m.zone = a.zone AND a._arrival BETWEEN m.ts AND m.ts + INTERVAL '1' MINUTE", "1:8", "column zone is ambiguous: write m.zone or a.zone"},
		{History, "SELECT device, device FROM readings", "1:16", "two result columns are named device: give one an alias (AS …)"},
		{History, "SELECT temp.x FROM readings", "1:12", "temp is DOUBLE, not JSON: it has no member temp.x"},
		{History, "SELECT r.device FROM readings r JOIN readings r ON r.device = r.device", "1:47", "r is read twice: give each an alias of its own"},
		// aggregates
		{History, "SELECT device FROM readings WHERE AVG(temp) > 3", "1:35", "aggregate AVG(temp) is not allowed in WHERE: filter groups with HAVING"},
		{History, "SELECT COUNT(*) FROM readings GROUP BY MAX(temp)", "1:40", "aggregate MAX(temp) is not allowed in GROUP BY"},
		{History, "SELECT AVG(MAX(temp)) FROM readings", "1:12", "aggregate MAX(temp) inside aggregate AVG: aggregates do not nest"},
		{History, "SELECT device, temp, AVG(hum) FROM readings GROUP BY device", "1:16", "column temp must appear in GROUP BY or be used in an aggregate function"},
		{History, "SELECT device FROM readings GROUP BY device HAVING hum > 1", "1:52", "column hum must appear in GROUP BY or be used in an aggregate function"},
		{History, "SELECT AVG(device) FROM readings", "1:12", "AVG takes a number, not STRING"},
		{History, "SELECT SUM(*) FROM readings", "1:8", "SUM(*) is not defined; only COUNT takes *"},
		{History, "SELECT PERCENTILE(temp, hum) FROM readings", "1:25", "the fraction of PERCENTILE must be a constant from 0 to 1, as in PERCENTILE(temp, 0.95)"},
		{History, "SELECT * FROM readings GROUP BY device", "1:8", "SELECT * in a grouped query: list the group keys and aggregates"},
		{History, "SELECT device FROM readings HAVING temp > 1", "1:41", "HAVING filters groups, and this query has none: use WHERE"},
		{History, "SELECT window_end FROM readings", "1:8", "window_end is a column of windowed results: it needs a window in GROUP BY, and can be used only outside aggregates"},
		// windows
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY TUMBLE(ts, INTERVAL '0' SECOND)", "1:51", "the size of TUMBLE must be longer than 0"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY HOP(ts, INTERVAL '1' MINUTE, INTERVAL '2' MINUTE)", "1:69", "the slide of HOP (2m0s) is longer than its size (1m0s): rows between windows would belong to none; use TUMBLE for back-to-back windows"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY SESSION(ts, INTERVAL '1' MINUTE, INTERVAL '30' SECOND)", "1:73", "the maximum length of SESSION (30s) is shorter than its gap (1m0s)"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY COUNTWINDOW(0)", "1:52", "COUNTWINDOW needs at least 1 row"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY COUNTWINDOW(10, 20)", "1:56", "the slide of COUNTWINDOW (20 rows) is more than its size (10 rows)"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY TUMBLE(ok, INTERVAL '1' MINUTE)", "1:47", "the window's time must be a TIMESTAMP, found BOOLEAN (ok)"},
		// unbounded state and continuous rules
		{Continuous, "SELECT device, AVG(temp) FROM readings GROUP BY device", "1:49", "a continuous query grouping readings without a window would keep its groups forever: add a window, as in GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) (an ad-hoc SELECT over history may group without one)"},
		{Continuous, "SELECT COUNT(*) FROM doors", "1:8", "a continuous query grouping doors without a window would keep its groups forever: add a window, as in GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) (an ad-hoc SELECT over history may group without one)"},
		{Continuous, "SELECT device, 1 + MAX(temp) FROM readings", "1:20", "a continuous query grouping readings without a window would keep its groups forever: add a window, as in GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) (an ad-hoc SELECT over history may group without one)"},
		{Continuous, "SELECT device FROM readings ORDER BY temp", "1:38", "ORDER BY in a continuous query needs a window: it orders the rows of each window (an ad-hoc SELECT orders what the stream holds)"},
		{Continuous, "SELECT device FROM readings LIMIT 5", "1:35", "LIMIT in a continuous query needs a window: it limits the rows of each window"},
		{Continuous, "SELECT device, COUNT(*) AS n FROM readings GROUP BY device, SESSION(ts, INTERVAL '1' MINUTE) ORDER BY n", "1:103", "ORDER BY in a continuous query applies to the results of one TUMBLE or HOP window, which its groups share; a SESSION window is each group's own"},
		{Continuous, "SELECT device, COUNT(*) AS n FROM readings GROUP BY device, COUNTWINDOW(5) LIMIT 1", "1:82", "LIMIT in a continuous query applies to the results of one TUMBLE or HOP window, which its groups share; a COUNTWINDOW window is each group's own"},
		{Continuous, "SELECT device, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) ORDER BY n LIMIT 3 EMIT ON UPDATE", "1:102", "ORDER BY does not fit EMIT ON UPDATE, which writes each result alone as it changes"},
		{Continuous, "SELECT room FROM rooms", "1:18", "rooms is a table: a continuous query reads a stream first (a table can be joined to it)"},
		// joins
		{Continuous, "SELECT m.zone FROM motion m JOIN arrivals a ON m.zone = a.zone", "1:29", "a join of two streams needs a time bound in ON, so that its state stays finite: as in a.ts BETWEEN m.ts - INTERVAL '1' MINUTE AND m.ts + INTERVAL '1' MINUTE"},
		{Continuous, "SELECT m.zone FROM motion m JOIN arrivals a ON m.zone = a.zone AND a._arrival BETWEEN m.ts + INTERVAL '2' MINUTE AND m.ts", "1:79", "the time bound of this join is empty: a − m must be at least 2m0s and at most 0s"},
		{Continuous, "SELECT r.device FROM readings r JOIN rooms m ON r.device = m.room", "1:58", "a join with table rooms looks rows up by its key: ON needs … = m.device"},
		{Continuous, "SELECT r.device FROM readings r JOIN rooms m ON COUNT(*) > 1", "1:49", "aggregate COUNT(*) is not allowed in ON"},
		// stateful functions
		{Continuous, "SELECT LAG(temp, 1) FROM readings", "1:18", "LAG needs a time limit, a positive INTERVAL literal, as its last argument, as in LAG(temp, 1, INTERVAL '1' HOUR): it bounds the state kept per key"},
		{Continuous, "SELECT CHANGED(temp) FROM readings", "1:8", "CHANGED takes 2 arguments, got 1"},
		{Continuous, "SELECT LAG(AVG(temp), INTERVAL '1' HOUR) FROM readings", "1:12", "AVG(temp) inside LAG: a function that keeps state per key takes plain values"},
		{History, "SELECT LAG(room, INTERVAL '1' HOUR) FROM rooms", "1:8", "LAG keeps state per partition key: it needs a stream, and rooms is a table"},
		{Continuous, "SELECT device, LAG(temp, INTERVAL '1' HOUR) FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)", "1:16", "LAG(temp, INTERVAL '1' HOUR) is computed per row: in a grouped query it must appear in GROUP BY or inside an aggregate"},
		// emit
		{Continuous, "SELECT device FROM readings EMIT ON WINDOW CLOSE", "1:29", "EMIT fits a query with a window; without one, each result row is written as it comes"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) EMIT EVERY INTERVAL '1' MINUTE", "1:83", "EMIT EVERY 1m0s is not shorter than the window (1m0s): no early result would ever be written"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY COUNTWINDOW(10) EMIT EVERY INTERVAL '1' SECOND", "1:56", "COUNTWINDOW closes after a number of rows, not at a time: EMIT EVERY does not fit it"},
		{Continuous, "SELECT COUNT(*) FROM readings GROUP BY SLIDE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE", "1:71", "SLIDE gives a result for each row as it comes: write EMIT ON UPDATE, or no EMIT"},
		{Continuous, "CREATE QUERY q AS INSERT INTO x SELECT COUNT(*) FROM arrivals GROUP BY TUMBLE(INTERVAL '1' MINUTE) EMIT LATE INTO late", "1:115", "EMIT LATE INTO needs an event time: arrivals runs on arrival time, where no row is late (declare timestamp = '…' or give the window a time column)"},
		{Continuous, "CREATE QUERY q AS INSERT INTO x SELECT device FROM readings EMIT LATE INTO late", "1:76", "EMIT LATE INTO needs a window over time: only then can a row be late"},
		{Continuous, "CREATE QUERY q AS INSERT INTO raw SELECT device FROM readings", "1:31", "query q would write into raw, which it reads: its output would feed its input"},
		{Continuous, "CREATE QUERY q AS INSERT INTO x SELECT COUNT(*) FROM readings GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) EMIT LATE INTO x", "1:119", "late rows go to a stream of their own, not to x where the results go"},
		// sources
		{Continuous, "CREATE STREAM s (a STRING) WITH (colour = 'red')", "1:34", "unknown option colour for CREATE STREAM (it takes source, format, timestamp, lateness, idle_timeout, delimiter)"},
		{Continuous, "CREATE STREAM s (a STRING) WITH (formt = 'csv')", "1:34", "unknown option formt for CREATE STREAM (did you mean format?)"},
		{Continuous, "CREATE STREAM s (a STRING) WITH (format = 'xml')", "1:43", "format is 'json' or 'csv', not 'xml'"},
		{Continuous, "CREATE STREAM s (a STRING) WITH (timestamp = 'b')", "1:46", "timestamp: b is not a declared column of stream s"},
		{Continuous, "CREATE STREAM s (a STRING, b BOOLEAN) WITH (timestamp = 'b')", "1:57", "timestamp: b is BOOLEAN; an event time is a TIMESTAMP, a Unix time or a time in text"},
		{Continuous, "CREATE STREAM s (a STRING) WITH (timestamp = 'a.b')", "1:46", "timestamp: a is STRING, not JSON: 'a.b' cannot reach into it"},
		{Continuous, "CREATE STREAM s WITH (lateness = '5 seconds')", "1:34", "option lateness: interval '5 seconds' is not a duration such as '90s', '1h30m' or '250ms'"},
		{Continuous, "CREATE STREAM s WITH (lateness = 5)", "1:34", "option lateness takes a duration, as in '5s' or INTERVAL '5' SECOND"},
		{Continuous, "CREATE STREAM s WITH (idle_timeout = '0s')", "1:38", "idle_timeout must be longer than 0 (leave it out for none)"},
		{Continuous, "CREATE STREAM s WITH (format = 'csv')", "1:1", "a CSV stream needs its columns declared: CREATE STREAM s (name type, …) WITH (format = 'csv')"},
		{Continuous, "CREATE STREAM s (a STRING) WITH (delimiter = ';')", "1:34", "delimiter is for format = 'csv'"},
		{Continuous, "CREATE STREAM s (_key STRING)", "1:18", "column _key: names starting with _ are kept for system columns (_arrival, _key, _seq, _shard, _record)"},
		{Continuous, "CREATE STREAM s WITH (source = '')", "1:32", "option source takes a non-empty string in single quotes"},
		{Continuous, "CREATE TABLE t (a STRING) WITH (key = 'a')", "1:1", "a table needs file = '…' (a CSV or JSON file) or source = '…' (the latest row per key of a stream)"},
		{Continuous, "CREATE TABLE t (a STRING) WITH (file = 'x.csv', source = 's', key = 'a')", "1:49", "a table is loaded from a file or kept from a stream, not both: give file or source"},
		{Continuous, "CREATE TABLE t (a STRING) WITH (file = 'x.json')", "1:1", "a table needs key = '…', the column it is looked up by"},
		{Continuous, "CREATE TABLE t (a STRING) WITH (file = 'x.json', key = 'b')", "1:56", "key b is not a declared column of table t"},
		{Continuous, "CREATE TABLE t (a STRING) WITH (file = 'x.json', key = 'a', max_keys = 5)", "1:72", "max_keys is a whole number of keys, at least 1, for a table kept from a stream"},
	} {
		_, err := planSQL(t, p, tc.src, tc.mode)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: err = %v, want a *plan.Error", tc.src, err)
			continue
		}
		if e.Pos.String() != tc.pos || e.Msg != tc.msg {
			t.Errorf("%s\n got %s: %s\nwant %s: %s\n%s", tc.src, e.Pos, e.Msg, tc.pos, tc.msg, e.Pos.Excerpt(tc.src))
		}
	}
}

func TestErrorRender(t *testing.T) {
	src := "SELECT device\nFROM readings\nWHERE tmp > 3"
	_, err := planSQL(t, testPlanner(t), src, History)
	want := "line 3, column 7: unknown column tmp in stream readings (did you mean temp?)\nWHERE tmp > 3\n      ^"
	if got := err.(*Error).Render(src); got != want {
		t.Errorf("Render:\n%s\nwant\n%s", got, want)
	}
}

func TestPlans(t *testing.T) {
	p := testPlanner(t)
	q := func(src string, mode Mode) *Query {
		t.Helper()
		pl, err := planSQL(t, p, src, mode)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return pl.(*Query)
	}
	// The example.
	hot := q(`CREATE QUERY hot_rooms AS INSERT INTO alerts
	  SELECT device, AVG(temp) AS avg_temp, MAX(temp) AS max_temp, COUNT(*) AS n, window_end
	  FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) HAVING AVG(temp) > 30 EMIT ON WINDOW CLOSE`, Continuous)
	if hot.Name != "hot_rooms" || hot.Into != "alerts" || hot.Window.Kind != Tumble || hot.Window.Size.Minutes() != 1 ||
		len(hot.Group.Keys) != 1 || len(hot.Group.Aggs) != 3 || hot.Group.Having == nil || hot.Emit.Policy != ast.EmitOnWindowClose ||
		!hot.EventTime || hot.Lateness.Seconds() != 5 || hot.Inputs[0].Source.Stream != "raw" {
		t.Errorf("hot_rooms plan: %+v", hot)
	}
	if got := strings.Join(names(hot.Output), ","); got != "device,avg_temp,max_temp,n,window_end" {
		t.Errorf("output %s", got)
	}
	// The window and grouping state is bounded: the watermarks of 100,000 partition keys, and
	// 2 open windows (5 s lateness) × 100,000 groups.
	if hot.Bound.Bytes <= 0 || len(hot.Bound.Parts) != 2 || !strings.Contains(hot.Bound.Parts[0], "watermarks: 100000 partition keys") ||
		!strings.Contains(hot.Bound.Parts[1], "2 open window(s) × 100000 groups") {
		t.Errorf("bound %+v", hot.Bound)
	}
	// A stateless filter reads just the columns it uses and keeps no state.
	f := q("SELECT device, temp * 2 AS t2 FROM readings WHERE temp > 30 AND device LIKE 'a%'", Continuous)
	if !f.Stateless() || f.Bound.Bytes != 0 || f.InputWidth != 2 || f.Time != nil {
		t.Errorf("filter plan: stateless %v, bound %d, width %d", f.Stateless(), f.Bound.Bytes, f.InputWidth)
	}
	// Schemaless: any name is a column; * spreads the record.
	d := q("SELECT *, door FROM doors WHERE payload.open = TRUE", History)
	if !d.Output[0].Spread || d.Inputs[0].Columns[0] != "payload" {
		t.Errorf("schemaless plan: %+v %+v", d.Output, d.Inputs[0])
	}
	// A lookup join and a stream–stream join with a time bound.
	lj := q("SELECT r.device, m.room FROM readings r LEFT JOIN rooms m ON r.device = m.device AND m.floor > 1", Continuous)
	if j := lj.Joins[0]; !j.Lookup || len(j.LeftKeys) != 1 || j.Residual == nil || j.Kind != ast.LeftJoin {
		t.Errorf("lookup join %+v", j)
	}
	sj := q("SELECT m.zone FROM motion m JOIN arrivals a ON m.zone = a.zone AND a._arrival BETWEEN m.ts - INTERVAL '10' SECOND AND m.ts + INTERVAL '2' MINUTE", Continuous)
	if j := sj.Joins[0]; j.Lookup || j.Lower.Seconds() != -10 || j.Upper.Minutes() != 2 || len(j.LeftKeys) != 1 {
		t.Errorf("stream join %+v", j)
	}
	sj2 := q("SELECT m.zone FROM motion m JOIN arrivals a ON a._arrival >= m.ts AND m.ts + INTERVAL '1' MINUTE > a._arrival", Continuous)
	if j := sj2.Joins[0]; j.Lower != 0 || j.Upper.Minutes() != 1 {
		t.Errorf("stream join by comparisons [%s, %s]", j.Lower, j.Upper)
	}
	// Stateful functions get slots of the input row and a key.
	s := q("SELECT device, LAG(temp, INTERVAL '1' HOUR) AS prev FROM readings WHERE CHANGED(ok, INTERVAL '1' HOUR)", Continuous)
	if len(s.Stateful) != 2 || s.KeySlot < 0 || s.Bound.Bytes == 0 {
		t.Errorf("stateful plan %+v", s)
	}
	// History: GROUP BY without a window, ORDER BY an alias and a hidden key, LIMIT.
	h := q("SELECT device, AVG(temp) AS a FROM readings GROUP BY device ORDER BY a DESC, MAX(hum) LIMIT 3", History)
	if len(h.Order) != 2 || h.Order[0].Slot != 1 || !h.Order[0].Desc || h.Order[1].Slot != 2 || len(h.Project) != 3 || h.Limit != 3 {
		t.Errorf("history plan order %+v, project %d", h.Order, len(h.Project))
	}
	// Window defaults.
	sl := q("SELECT device, AVG(temp) FROM readings GROUP BY device, SLIDE(ts, INTERVAL '1' MINUTE)", Continuous)
	if sl.Emit.Policy != ast.EmitOnUpdate {
		t.Errorf("SLIDE emits %v", sl.Emit.Policy)
	}
}

func names(cols []Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}

func TestWindowAssign(t *testing.T) {
	minute := int64(60e9)
	tumble := &Window{Kind: Tumble, Size: 60e9}
	hop := &Window{Kind: Hop, Size: 3 * 60e9, Slide: 60e9}
	for _, tc := range []struct {
		w    *Window
		ts   int64
		want []int64
	}{
		{tumble, 0, []int64{0}},
		{tumble, minute - 1, []int64{0}},
		{tumble, minute, []int64{minute}},
		{tumble, -1, []int64{-minute}}, // before the epoch: still aligned, floor not truncation
		{hop, 2*minute + 5, []int64{0, minute, 2 * minute}},
		{hop, 3 * minute, []int64{minute, 2 * minute, 3 * minute}},
		{hop, -1, []int64{-3 * minute, -2 * minute, -minute}},
	} {
		got := tc.w.Assign(tc.ts, nil)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%v.Assign(%d) = %v, want %v", tc.w.Kind, tc.ts, got, tc.want)
		}
		for _, s := range got {
			if tc.ts < s || tc.ts >= tc.w.End(s) {
				t.Errorf("%v: %d is not in [%d, %d)", tc.w.Kind, tc.ts, s, tc.w.End(s))
			}
		}
	}
}

// Assign is on the operators' per-row path: with room in dst it must not allocate.
func TestWindowAssignAllocates(t *testing.T) {
	hop := &Window{Kind: Hop, Size: 5 * 60e9, Slide: 60e9}
	dst := make([]int64, 0, 8)
	allocs := testing.AllocsPerRun(100, func() { dst = hop.Assign(1_795_766_400_123_456_789, dst[:0]) })
	if allocs != 0 {
		t.Errorf("Assign allocates %.0f times a call", allocs)
	}
	if len(dst) != 5 {
		t.Errorf("Assign gave %d windows, want 5", len(dst))
	}
}
