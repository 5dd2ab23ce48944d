package plan

import (
	"errors"
	"testing"

	"github.com/tidegate/tidegate/analytics/parser"
)

// FuzzPlan: any statement that parses is planned or refused with an *Error inside the
// text, in both modes, without a panic.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{
		"SELECT device, AVG(temp) FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) HAVING COUNT(*) > 2",
		"SELECT * FROM doors WHERE open AND payload['a'][0] > 3 ORDER BY 1 LIMIT 4",
		"SELECT r.device, m.room FROM readings r LEFT JOIN rooms m ON r.device = m.device",
		"SELECT m.zone FROM motion m JOIN arrivals a ON a._arrival BETWEEN m.ts AND m.ts + INTERVAL '1' MINUTE",
		"SELECT LAG(temp, 2, INTERVAL '1' HOUR), ANOMALY_SCORE(temp, INTERVAL '1' HOUR) FROM readings",
		"CREATE QUERY q AS INSERT INTO o SELECT door, COUNT(*) FROM doors GROUP BY door, SESSION(ts, INTERVAL '30' SECOND) EMIT LATE INTO l",
		"CREATE STREAM s (a STRING, t TIMESTAMP) WITH (format = 'csv', delimiter = ';', timestamp = 't')",
		"CREATE TABLE t WITH (file = 'x.csv', key = 'k')",
		"SELECT device, PERCENTILE(temp, 0.9), COUNT(DISTINCT hum) FROM readings GROUP BY device, HOP(INTERVAL '2' MINUTE, INTERVAL '1' MINUTE) EMIT EVERY INTERVAL '10' SECOND",
	} {
		f.Add(s)
	}
	p := testPlanner(f)
	f.Fuzz(func(t *testing.T, src string) {
		st, err := parser.ParseStatement(src)
		if err != nil {
			return
		}
		for _, mode := range []Mode{Continuous, History} {
			_, err := p.Plan(st, mode)
			if err == nil {
				continue
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos.Line < 1 || pe.Pos.Offset > len(src) {
				t.Fatalf("%s: error without a position: %v", src, err)
			}
		}
	})
}
