package batch

import "testing"

// differentialCases pair a query of ours with its sqlite equivalent. ordered: the result
// order is compared too (ORDER BY with a total order); otherwise rows are compared as sets.
var differentialCases = []struct {
	name, ours, sqlite string
	ordered            bool
}{
	{"filter", "SELECT device, temp FROM readings WHERE temp > 25",
		"SELECT device, temp FROM readings WHERE temp > 25", false},
	{"projection arithmetic", "SELECT n * 2 + 1, n / 3, n % 7, -n, temp / 2, hum - temp, n + temp FROM readings",
		"SELECT n * 2 + 1, n / 3, n % 7, -n, temp / 2, hum - temp, n + temp FROM readings", false},
	{"division by zero", "SELECT n / (n - n), temp / 0 FROM readings WHERE n IS NOT NULL",
		"SELECT n / (n - n), temp / 0 FROM readings WHERE n IS NOT NULL", false},
	{"searched CASE", "SELECT CASE WHEN temp > 30 THEN 'hot' WHEN temp < 10 THEN 'cold' ELSE 'ok' END, ts FROM readings",
		"SELECT CASE WHEN temp > 30 THEN 'hot' WHEN temp < 10 THEN 'cold' ELSE 'ok' END, ts FROM readings", false},
	{"simple CASE", "SELECT CASE n WHEN 1 THEN 'one' WHEN -1 THEN 'minus one' END, CASE WHEN ok THEN 1 ELSE 2.5 END FROM readings",
		"SELECT CASE n WHEN 1 THEN 'one' WHEN -1 THEN 'minus one' END, CASE WHEN ok THEN 1 ELSE 2.5 END FROM readings", false},
	{"IN", "SELECT device, n FROM readings WHERE device IN ('d1', 'd2', 'd3') AND n NOT IN (1, 2)",
		"SELECT device, n FROM readings WHERE device IN ('d1', 'd2', 'd3') AND n NOT IN (1, 2)", false},
	{"IN with NULL", "SELECT ts, n IN (1, 2, NULL), n NOT IN (3, NULL) FROM readings",
		"SELECT ts, n IN (1, 2, NULL), n NOT IN (3, NULL) FROM readings", false},
	{"long IN", "SELECT ts FROM readings WHERE n IN (1, 2, 3, 5, 8, 13, 21, -1, -2)",
		"SELECT ts FROM readings WHERE n IN (1, 2, 3, 5, 8, 13, 21, -1, -2)", false},
	{"BETWEEN", "SELECT ts, temp BETWEEN 15 AND 25, n NOT BETWEEN -5 AND 5 FROM readings",
		"SELECT ts, temp BETWEEN 15 AND 25, n NOT BETWEEN -5 AND 5 FROM readings", false},
	{"LIKE", "SELECT note, note LIKE 'a%', note LIKE '%b_c%', note NOT LIKE '%a%', note LIKE '_' FROM readings",
		"SELECT note, note LIKE 'a%', note LIKE '%b_c%', note NOT LIKE '%a%', note LIKE '_' FROM readings", false},
	{"LIKE ESCAPE", "SELECT note FROM readings WHERE note LIKE '%!%%' ESCAPE '!' OR note LIKE 'a!_c' ESCAPE '!'",
		"SELECT note FROM readings WHERE note LIKE '%!%%' ESCAPE '!' OR note LIKE 'a!_c' ESCAPE '!'", false},
	{"NULL handling", "SELECT ts, device IS NULL, temp IS NOT NULL, COALESCE(temp, -1), NULLIF(n, 0), IFNULL(note, '?') FROM readings",
		"SELECT ts, device IS NULL, temp IS NOT NULL, COALESCE(temp, -1), NULLIF(n, 0), IFNULL(note, '?') FROM readings", false},
	{"three-valued logic", "SELECT ts, ok AND temp > 20, ok OR temp > 20, NOT ok, n = NULL FROM readings",
		"SELECT ts, ok AND temp > 20, ok OR temp > 20, NOT ok, n = NULL FROM readings", false},
	{"WHERE on unknown", "SELECT ts FROM readings WHERE ok OR temp > 30",
		"SELECT ts FROM readings WHERE ok OR temp > 30", false},
	{"string functions", "SELECT UPPER(note), LOWER(device), LENGTH(note), SUBSTRING(note, 2, 3), REPLACE(note, 'a', 'A'), TRIM(note), device || '-' || n FROM readings",
		"SELECT UPPER(note), LOWER(device), LENGTH(note), SUBSTR(note, 2, 3), REPLACE(note, 'a', 'A'), TRIM(note), device || '-' || n FROM readings", false},
	{"math functions", "SELECT ABS(n), SIGN(n), SQRT(hum), POWER(hum, 2), LN(hum + 1), FLOOR(temp), CEIL(temp), ROUND(temp), MOD(n, 3) FROM readings",
		"SELECT ABS(n), SIGN(n), SQRT(hum), POWER(hum, 2), LN(hum + 1), FLOOR(temp), CEIL(temp), ROUND(temp), n % 3 FROM readings", false},
	{"CAST", "SELECT CAST(temp AS BIGINT), CAST(n AS DOUBLE), CAST(n AS STRING), CAST(ok AS BIGINT) FROM readings",
		"SELECT CAST(temp AS INTEGER), CAST(n AS REAL), CAST(n AS TEXT), ok FROM readings", false},
	{"GROUP BY", "SELECT device, COUNT(*), COUNT(temp), SUM(n), AVG(temp), MIN(temp), MAX(note), SUM(temp), MIN(ts) FROM readings GROUP BY device",
		"SELECT device, COUNT(*), COUNT(temp), SUM(n), AVG(temp), MIN(temp), MAX(note), SUM(temp), MIN(ts) FROM readings GROUP BY device", false},
	{"GROUP BY expression", "SELECT n % 5, ok, COUNT(*), AVG(hum) FROM readings GROUP BY n % 5, ok",
		"SELECT n % 5, ok, COUNT(*), AVG(hum) FROM readings GROUP BY n % 5, ok", false},
	{"HAVING", "SELECT device, COUNT(*) AS c FROM readings GROUP BY device HAVING COUNT(*) > 90 AND MAX(temp) > 30",
		"SELECT device, COUNT(*) AS c FROM readings GROUP BY device HAVING COUNT(*) > 90 AND MAX(temp) > 30", false},
	{"COUNT DISTINCT", "SELECT device, COUNT(DISTINCT n), COUNT(DISTINCT note) FROM readings GROUP BY device",
		"SELECT device, COUNT(DISTINCT n), COUNT(DISTINCT note) FROM readings GROUP BY device", false},
	{"aggregate without GROUP BY", "SELECT COUNT(*), SUM(n), AVG(hum), MAX(temp) FROM readings WHERE device = 'd3'",
		"SELECT COUNT(*), SUM(n), AVG(hum), MAX(temp) FROM readings WHERE device = 'd3'", false},
	{"STDDEV", "SELECT device, STDDEV(temp), VAR_POP(hum) FROM readings GROUP BY device",
		"SELECT device, sqrt((SUM(temp*temp) - SUM(temp)*SUM(temp)/COUNT(temp)) / (COUNT(temp)-1)), (SUM(hum*hum) - SUM(hum)*SUM(hum)/COUNT(hum)) / COUNT(hum) FROM readings GROUP BY device", false},
	{"MEDIAN", "SELECT device, MEDIAN(temp) FROM readings GROUP BY device",
		`SELECT device, AVG(temp) FROM (
		   SELECT device, temp, ROW_NUMBER() OVER (PARTITION BY device ORDER BY temp) AS rn, COUNT(*) OVER (PARTITION BY device) AS c
		   FROM readings WHERE temp IS NOT NULL)
		 WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY device`, false},
	{"tumbling window", "SELECT device, window_start, window_end, COUNT(*), AVG(temp), MAX(hum) FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '10' MINUTE)",
		"SELECT device, (ts / 600000) * 600000, (ts / 600000) * 600000 + 600000, COUNT(*), AVG(temp), MAX(hum) FROM readings GROUP BY device, ts / 600000", false},
	{"tumbling window, HAVING", "SELECT window_start, COUNT(*) FROM readings GROUP BY TUMBLE(ts, INTERVAL '7' MINUTE) HAVING AVG(temp) > 21",
		"SELECT (ts / 420000) * 420000, COUNT(*) FROM readings GROUP BY ts / 420000 HAVING AVG(temp) > 21", false},
	{"hopping window", "SELECT device, window_start, COUNT(*), SUM(n) FROM readings GROUP BY device, HOP(ts, INTERVAL '10' MINUTE, INTERVAL '5' MINUTE)",
		`SELECT device, ws, COUNT(*), SUM(n) FROM (
		   SELECT device, n, (ts / 300000) * 300000 AS ws FROM readings
		   UNION ALL SELECT device, n, (ts / 300000) * 300000 - 300000 FROM readings)
		 GROUP BY device, ws`, false},
	{"ORDER BY LIMIT", "SELECT device, temp, ts FROM readings WHERE temp IS NOT NULL ORDER BY temp DESC, ts LIMIT 15",
		"SELECT device, temp, ts FROM readings WHERE temp IS NOT NULL ORDER BY temp DESC, ts LIMIT 15", true},
	{"ORDER BY with NULLs", "SELECT temp, ts FROM readings ORDER BY temp, ts LIMIT 40",
		"SELECT temp, ts FROM readings ORDER BY temp, ts LIMIT 40", true},
	{"ORDER BY without LIMIT", "SELECT note, ts FROM readings WHERE n > 15 ORDER BY note DESC, ts",
		"SELECT note, ts FROM readings WHERE n > 15 ORDER BY note DESC, ts", true},
	{"ORDER BY aggregate", "SELECT device, AVG(temp) AS a FROM readings GROUP BY device ORDER BY a DESC, device LIMIT 5",
		"SELECT device, AVG(temp) AS a FROM readings GROUP BY device ORDER BY a DESC, device LIMIT 5", true},
	{"aggregates over no rows", "SELECT COUNT(*), SUM(n), MAX(temp) FROM readings WHERE n > 1000",
		"SELECT COUNT(*), SUM(n), MAX(temp) FROM readings WHERE n > 1000", false},
	{"LIMIT in input order", "SELECT ts, n FROM readings WHERE n > 10 LIMIT 7",
		"SELECT ts, n FROM readings WHERE n > 10 LIMIT 7", true},
	{"lookup join", "SELECT r.device, m.room, r.temp FROM readings r JOIN rooms m ON r.device = m.device",
		"SELECT r.device, m.room, r.temp FROM readings r JOIN rooms m ON r.device = m.device", false},
	{"left lookup join with a residual", "SELECT r.ts, m.room, m.floor FROM readings r LEFT JOIN rooms m ON r.device = m.device AND m.floor > 0",
		"SELECT r.ts, m.room, m.floor FROM readings r LEFT JOIN rooms m ON r.device = m.device AND m.floor > 0", false},
	{"join grouped", "SELECT m.room, COUNT(*), AVG(r.temp) FROM readings r JOIN rooms m ON r.device = m.device GROUP BY m.room",
		"SELECT m.room, COUNT(*), AVG(r.temp) FROM readings r JOIN rooms m ON r.device = m.device GROUP BY m.room", false},
}

// TestDifferential runs every case on generated data through our engine and through
// sqlite, and requires the same rows.
func TestDifferential(t *testing.T) {
	p := differentialPlanner(t)
	for _, seed := range []uint64{1, 2, 3} {
		ds := generate(t, seed, 2000)
		for _, tc := range differentialCases {
			ours := ds.ourRows(t, p, tc.ours)
			theirs := ds.sqliteRows(t, tc.sqlite)
			compareRows(t, tc.name, ours, theirs, tc.ordered)
		}
	}
}
