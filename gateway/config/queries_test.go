package config

import (
	"errors"
	"strings"
	"testing"
)

func TestQueriesParse(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`
queries:
  - sql: |
      CREATE STREAM readings (device STRING, temp DOUBLE, ts TIMESTAMP)
        WITH (source = 'sensors', timestamp = 'ts', lateness = '5s');
  - sql: |
      CREATE QUERY hot_rooms AS
        INSERT INTO alerts
        SELECT device, AVG(temp) AS avg_temp, window_end
        FROM readings
        GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)
        HAVING AVG(temp) > 30;
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Scripts(); len(s) != 2 || !strings.HasPrefix(s[1], "CREATE QUERY hot_rooms") {
		t.Errorf("scripts %q", s)
	}
}

// An error in an entry's SQL points at its spot in the file, and names its line and column
// in the SQL too.
func TestQueriesErrorsPoint(t *testing.T) {
	for _, c := range []struct {
		name, file, want string
	}{
		{"literal block", `
queries:
  - sql: |
      CREATE STREAM readings (device STRING, temp DOUBLE) WITH (source = 'sensors');
      CREATE QUERY q AS INSERT INTO o
        SELECT device FROM readings
        WHERE tmp > 30;
`, "t.yaml:7:15: queries[0].sql: line 4, column 9: unknown column tmp"},
		{"single-line scalar", `
queries:
  - sql: "CREATE QUERY q AS INSERT INTO o SELECT COUNT(*) FROM sensors GROUP BY device"
`, "t.yaml:3:81: queries[0].sql: line 1, column 71: a continuous query grouping sensors without a window"},
		{"syntax", `
queries:
  - sql: |
      CREATE QUERY q AS INSERT INTO o
      SELECT device FORM sensors
`, "t.yaml:5:21: queries[0].sql: line 2, column 15: expected"},
		{"second entry sees the first", `
queries:
  - sql: "CREATE STREAM r (temp DOUBLE) WITH (source = 'sensors')"
  - sql: "CREATE QUERY q AS INSERT INTO o SELECT hum FROM r"
`, "t.yaml:4:50: queries[1].sql: line 1, column 40: unknown column hum"},
		{"unknown key", `
queries:
  - sql: "CREATE STREAM r (temp DOUBLE)"
    name: r
`, `t.yaml:4:5: unknown field "name" in queries[0]`},
		{"aggregate in WHERE", `
queries:
  - sql: "CREATE QUERY q AS INSERT INTO o SELECT temp FROM sensors WHERE AVG(temp) > 3"
`, "aggregate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(c.file), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line == 0 {
				t.Errorf("error %v has no position", err)
			}
		})
	}
}
