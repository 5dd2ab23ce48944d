package parser

import (
	"reflect"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// Each statement parses, prints in canonical form, and the canonical form parses back to
// the same tree.
func TestStatementPrint(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// CREATE STREAM
		{"create stream readings (device string, temp float, n int, ok bool, ts timestamp, payload json) with (SOURCE = 'sensors', Format = 'csv', timestamp = 'ts', lateness = interval '5' second, idle_timeout = '1m', skip = -1, ratio = 0.5, strict = true)",
			"CREATE STREAM readings (device STRING, temp DOUBLE, n BIGINT, ok BOOLEAN, ts TIMESTAMP, payload JSON) WITH (source = 'sensors', format = 'csv', timestamp = 'ts', lateness = INTERVAL '5' SECOND, idle_timeout = '1m', skip = -1, ratio = 0.5, strict = TRUE)"},
		{"CREATE STREAM sensors", "CREATE STREAM sensors"},
		{"CREATE STREAM r WITH (source = 'sensors', timestamp = 'meta.ts')", "CREATE STREAM r WITH (source = 'sensors', timestamp = 'meta.ts')"},
		{`CREATE STREAM "my-stream" ("select" VARCHAR, x INTEGER, y REAL)`, `CREATE STREAM "my-stream" ("select" STRING, x BIGINT, y DOUBLE)`},
		{"CREATE STREAM r WITH (since = TIMESTAMP '2026-01-01')", "CREATE STREAM r WITH (since = TIMESTAMP '2026-01-01')"},
		// CREATE TABLE
		{"CREATE TABLE rooms (device STRING, room STRING, floor BIGINT) WITH (file = '/etc/tidegate/rooms.csv', format = 'csv', key = 'device')",
			"CREATE TABLE rooms (device STRING, room STRING, floor BIGINT) WITH (file = '/etc/tidegate/rooms.csv', format = 'csv', key = 'device')"},
		{"CREATE TABLE last_seen WITH (source = 'readings', key = 'device')", "CREATE TABLE last_seen WITH (source = 'readings', key = 'device')"},
		// DROP
		{"drop stream readings", "DROP STREAM readings"},
		{"DROP TABLE rooms", "DROP TABLE rooms"},
		{`DROP QUERY "hot rooms"`, `DROP QUERY "hot rooms"`},
		// SELECT basics
		{"select * from readings", "SELECT * FROM readings"},
		{"SELECT r.*, device d, temp AS t, hum \"max hum\" FROM readings r", `SELECT r.*, device AS d, temp AS t, hum AS "max hum" FROM readings AS r`},
		{"SELECT a FROM readings SINCE '2026-11-27T00:00:00Z'", "SELECT a FROM readings SINCE '2026-11-27T00:00:00Z'"},
		{"SELECT a FROM readings AS r SINCE '2026-11-27'", "SELECT a FROM readings AS r SINCE '2026-11-27'"},
		{"SELECT a FROM readings since", "SELECT a FROM readings AS since"},
		{"SELECT a FROM readings r SINCE '2026-11-27'", "SELECT a FROM readings AS r SINCE '2026-11-27'"},
		{"SELECT a FROM readings since SINCE '2026-11-27'", "SELECT a FROM readings AS since SINCE '2026-11-27'"},
		{"SELECT device, temp FROM readings WHERE temp > 30 AND device LIKE 'kitchen-%' ORDER BY temp DESC, device ASC LIMIT 10",
			"SELECT device, temp FROM readings WHERE temp > 30 AND device LIKE 'kitchen-%' ORDER BY temp DESC, device LIMIT 10"},
		{"SELECT device, COUNT(*) FROM readings GROUP BY device HAVING COUNT(*) > 1", "SELECT device, COUNT(*) FROM readings GROUP BY device HAVING COUNT(*) > 1"},
		// windows
		{"SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), device", "SELECT COUNT(*) FROM r GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)"},
		{"SELECT COUNT(*) FROM r GROUP BY tumbling(interval '10s')", "SELECT COUNT(*) FROM r GROUP BY TUMBLE(INTERVAL '10s')"},
		{"SELECT COUNT(*) FROM r GROUP BY HOP(ts, INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)", "SELECT COUNT(*) FROM r GROUP BY HOP(ts, INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)"},
		{"SELECT COUNT(*) FROM r GROUP BY hopping(INTERVAL '1h', INTERVAL '15m')", "SELECT COUNT(*) FROM r GROUP BY HOP(INTERVAL '1h', INTERVAL '15m')"},
		{"SELECT AVG(t) FROM r GROUP BY device, SLIDE(ts, INTERVAL '10' MINUTE)", "SELECT AVG(t) FROM r GROUP BY device, SLIDE(ts, INTERVAL '10' MINUTE)"},
		{"SELECT AVG(t) FROM r GROUP BY device, sliding(rows 10)", "SELECT AVG(t) FROM r GROUP BY device, SLIDE(ROWS 10)"},
		{"SELECT AVG(t) FROM r GROUP BY SLIDE(rows, ROWS 5)", "SELECT AVG(t) FROM r GROUP BY SLIDE(rows, ROWS 5)"},
		{"SELECT COUNT(*) FROM r GROUP BY device, SESSION(ts, INTERVAL '30' SECOND)", "SELECT COUNT(*) FROM r GROUP BY device, SESSION(ts, INTERVAL '30' SECOND)"},
		{"SELECT COUNT(*) FROM r GROUP BY SESSION(ts, INTERVAL '30' SECOND, INTERVAL '1' HOUR)", "SELECT COUNT(*) FROM r GROUP BY SESSION(ts, INTERVAL '30' SECOND, INTERVAL '1' HOUR)"},
		{"SELECT COUNT(*) FROM r GROUP BY SESSION(INTERVAL '30s', INTERVAL '1h')", "SELECT COUNT(*) FROM r GROUP BY SESSION(INTERVAL '30s', INTERVAL '1h')"},
		{"SELECT COUNT(*) FROM r GROUP BY countwindow(100)", "SELECT COUNT(*) FROM r GROUP BY COUNTWINDOW(100)"},
		{"SELECT COUNT(*) FROM r GROUP BY device, COUNTWINDOW(100, 10)", "SELECT COUNT(*) FROM r GROUP BY device, COUNTWINDOW(100, 10)"},
		{"SELECT COUNT(*) FROM r GROUP BY TUMBLE(to_timestamp(ms / 1000), INTERVAL '1' DAY)", "SELECT COUNT(*) FROM r GROUP BY TUMBLE(TO_TIMESTAMP(ms / 1000), INTERVAL '1' DAY)"},
		{"SELECT session FROM r GROUP BY session", "SELECT session FROM r GROUP BY session"},
		// emit
		{"SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' HOUR) EMIT EVERY INTERVAL '10' SECOND", "SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' HOUR) EMIT EVERY INTERVAL '10' SECOND"},
		{"SELECT COUNT(*) FROM r GROUP BY device EMIT ON UPDATE", "SELECT COUNT(*) FROM r GROUP BY device EMIT ON UPDATE"},
		{"SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) ORDER BY 1 DESC LIMIT 3 EMIT ON WINDOW CLOSE", "SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) ORDER BY 1 DESC LIMIT 3 EMIT ON WINDOW CLOSE"},
		// CREATE QUERY
		{"CREATE QUERY q AS INSERT INTO out SELECT * FROM r EMIT LATE INTO late_rows", "CREATE QUERY q AS INSERT INTO out SELECT * FROM r EMIT LATE INTO late_rows"},
		{"CREATE QUERY q AS INSERT INTO out SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) EMIT LATE INTO late EMIT ON WINDOW CLOSE",
			"CREATE QUERY q AS INSERT INTO out SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON WINDOW CLOSE EMIT LATE INTO late"},
		// joins
		{"SELECT r.device, m.room FROM readings r JOIN rooms m ON r.device = m.device", "SELECT r.device, m.room FROM readings AS r JOIN rooms AS m ON r.device = m.device"},
		{"SELECT * FROM a INNER JOIN b ON a.k = b.k LEFT OUTER JOIN c ON c.k = a.k LEFT JOIN d ON TRUE", "SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c ON c.k = a.k LEFT JOIN d ON TRUE"},
		{"SELECT a.v, b.v FROM a JOIN b ON a.id = b.id AND a.ts BETWEEN b.ts - INTERVAL '5' SECOND AND b.ts + INTERVAL '5' SECOND",
			"SELECT a.v, b.v FROM a JOIN b ON a.id = b.id AND a.ts BETWEEN b.ts - INTERVAL '5' SECOND AND b.ts + INTERVAL '5' SECOND"},
		// comments and layout
		{"-- hot rooms\nSELECT /* the id */ device\n\tFROM readings -- all of them\n", "SELECT device FROM readings"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			st, err := ParseStatement(tc.src)
			if err != nil {
				t.Fatalf("%v\n%s", err, err.(*Error).Pos.Excerpt(tc.src))
			}
			if got := st.String(); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			again, err := ParseStatement(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !sameTree(st, again) {
				t.Errorf("the canonical form parses to another tree")
			}
		})
	}
}

func pos(off, line, col int) lexer.Pos { return lexer.Pos{Offset: off, Line: line, Column: col} }

// The second example of the issue, as a tree with positions.
func TestCreateQueryTree(t *testing.T) {
	src := "CREATE QUERY hot_rooms AS\n" +
		"  INSERT INTO alerts\n" +
		"  SELECT device, COUNT(*) AS n\n" +
		"  FROM readings\n" +
		"  GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)\n" +
		"  HAVING AVG(temp) > 30\n" +
		"  EMIT ON WINDOW CLOSE;"
	got, err := ParseStatement(src)
	if err != nil {
		t.Fatal(err)
	}
	want := &ast.CreateQuery{
		At:   pos(0, 1, 1),
		Name: &ast.Ident{At: pos(13, 1, 14), Name: "hot_rooms"},
		Into: &ast.Ident{At: pos(40, 2, 15), Name: "alerts"},
		Select: &ast.Select{
			At: pos(49, 3, 3),
			Items: []*ast.SelectItem{
				{Expr: &ast.Ident{At: pos(56, 3, 10), Name: "device"}},
				{Expr: &ast.Call{At: pos(64, 3, 18), Name: "COUNT", Star: true}, Alias: &ast.Ident{At: pos(76, 3, 30), Name: "n"}},
			},
			From:    &ast.SourceRef{At: pos(85, 4, 8), Name: &ast.Ident{At: pos(85, 4, 8), Name: "readings"}},
			GroupBy: []ast.Expr{&ast.Ident{At: pos(105, 5, 12), Name: "device"}},
			Window: &ast.TumbleWindow{
				At:   pos(113, 5, 20),
				Time: &ast.Ident{At: pos(120, 5, 27), Name: "ts"},
				Size: &ast.Interval{At: pos(124, 5, 31), Text: "1", Unit: ast.Minute, Duration: time.Minute},
			},
			Having: &ast.Binary{
				At: pos(164, 6, 20), Op: ast.OpGt,
				L: &ast.Call{At: pos(154, 6, 10), Name: "AVG", Args: []ast.Expr{&ast.Ident{At: pos(158, 6, 14), Name: "temp"}}},
				R: &ast.IntegerLit{At: pos(166, 6, 22), Value: 30},
			},
			Emit: &ast.Emit{At: pos(171, 7, 3), Policy: ast.EmitOnWindowClose},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
		ast.Inspect(got, func(n ast.Node) bool { t.Logf("%T at offset %d (%v)", n, n.Pos().Offset, n.Pos()); return true })
	}
}

func TestScript(t *testing.T) {
	script, err := Parse(";; DROP STREAM a ;\n\nDROP TABLE b; ; DROP QUERY c;")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := script.String(), "DROP STREAM a;\nDROP TABLE b;\nDROP QUERY c;\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if script, err := Parse(" -- nothing\n"); err != nil || len(script) != 0 {
		t.Errorf("an empty script: %v, %v", script, err)
	}
}

// Intervals carry their length; timestamps their instant.
func TestLiteralValues(t *testing.T) {
	for src, want := range map[string]time.Duration{
		"INTERVAL '5' SECOND":        5 * time.Second,
		"INTERVAL '90' MINUTES":      90 * time.Minute,
		"INTERVAL '2' DAY":           48 * time.Hour,
		"INTERVAL '250' MILLISECOND": 250 * time.Millisecond,
		"INTERVAL '1h30m'":           90 * time.Minute,
		"INTERVAL '1.5s'":            1500 * time.Millisecond,
		"INTERVAL '0' SECOND":        0,
	} {
		e, err := ParseExpr(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := e.(*ast.Interval).Duration; got != want {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
	for src, want := range map[string]string{
		"TIMESTAMP '2026-11-27T08:30:00+02:00'":   "2026-11-27T06:30:00Z",
		"TIMESTAMP '2026-11-27 08:30:00.25'":      "2026-11-27T08:30:00.25Z",
		"TIMESTAMP '2026-11-27'":                  "2026-11-27T00:00:00Z",
		"TIMESTAMP '2026-11-27T08:30:00.123456Z'": "2026-11-27T08:30:00.123456Z",
	} {
		e, err := ParseExpr(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		ts, err := e.(*ast.TimestampLit).Time()
		if err != nil || ts.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("%s = %v (%v), want %s", src, ts, err, want)
		}
	}
}

// SINCE's time is located at the quoted text, where an error about it should point.
func TestSincePosition(t *testing.T) {
	st, err := ParseStatement("SELECT a FROM r SINCE '2026-11-27'")
	if err != nil {
		t.Fatal(err)
	}
	since := st.(*ast.Select).From.(*ast.SourceRef).Since
	if want := pos(22, 1, 23); since.At != want || since.Text != "2026-11-27" {
		t.Errorf("SINCE %q at %v, want at %v", since.Text, since.At, want)
	}
}
