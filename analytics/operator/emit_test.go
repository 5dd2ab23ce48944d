package operator

import (
	"fmt"
	"testing"
)

func TestEmitEvery(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT EVERY INTERVAL '10' SECOND`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "b", rd("b", 2, 2))
	h.advance(9)
	h.expect()
	h.advance(10) // early results of both windows
	h.expect(res("a", 1, 1, 0, 60), res("b", 1, 2, 0, 60))
	h.advance(20) // nothing changed
	h.expect()
	h.push(21, "a", rd("a", 4, 3))
	h.advance(35)
	h.expect(res("a", 2, 5, 0, 60))
	h.push(36, "a", rd("a", 8, 61)) // a's window closes: its final result, though as the last early one
	h.expect(res("a", 2, 5, 0, 60))
	h.advance(40) // a's new window changed; b's did not
	h.expect(res("a", 1, 8, 60, 120))
}

func TestEmitOnUpdate(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, MAX(v) AS m, window_start FROM r
		GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND) HAVING MAX(v) > 4 EMIT ON UPDATE`)
	row := func(m, start int) string { return fmt.Sprintf(`{"device":"a","m":%d,"window_start":%q}`, m, ts(start)) }
	h.push(1, "a", rd("a", 3, 1)) // HAVING keeps nothing yet
	h.push(2, "a", rd("a", 5, 2))
	h.push(3, "a", rd("a", 4, 3)) // the result does not change
	h.push(4, "a", rd("a", 7, 4))
	h.expect(row(5, 0), row(7, 0))
	h.push(5, "a", rd("a", 6, 12)) // the window closes: with ON UPDATE, its last update was its result
	h.expect(row(6, 10))
	h.flush()
	h.expect()
}

// ORDER BY and LIMIT rank the results of one window across its groups, written when the
// last group's window closes, each group's by its own watermark.
func TestOrderLimitWithinWindow(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND) ORDER BY s DESC LIMIT 2`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "b", rd("b", 5, 1))
	h.push(3, "c", rd("c", 3, 1))
	h.push(4, "a", rd("a", 1, 11))
	h.push(5, "c", rd("c", 1, 11))
	h.expect() // b's window is still open
	h.push(6, "b", rd("b", 1, 11))
	h.expect(res("b", 1, 5, 0, 10), res("c", 1, 3, 0, 10))
	h.flush()
	h.expect(res("a", 1, 1, 10, 20), res("c", 1, 1, 10, 20)) // ties in the order the windows closed
}

func TestEmitEveryRanking(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE) ORDER BY s DESC LIMIT 1 EMIT EVERY INTERVAL '10' SECOND`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "b", rd("b", 2, 2))
	h.advance(10)
	h.expect(res("b", 1, 2, 0, 60))
	h.push(11, "a", rd("a", 4, 3))
	h.advance(20)
	h.expect(res("a", 2, 5, 0, 60))
	h.push(21, "a", rd("a", 1, 61)) // a's window closes; b's is open: the ranking waits
	h.push(22, "b", rd("b", 1, 61))
	h.expect(res("a", 2, 5, 0, 60))
}

func TestSessionOnUpdate(t *testing.T) {
	h := newHarness(t, `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '10s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, SESSION(ts, INTERVAL '5' SECOND) EMIT ON UPDATE`)
	h.push(1, "a", rd("a", 1, 20))
	h.push(2, "a", rd("a", 2, 28))
	h.push(3, "a", rd("a", 4, 24)) // merges the two: one update of the merged session
	h.expect(res("a", 1, 1, 20, 25), res("a", 1, 2, 28, 33), res("a", 3, 7, 20, 33))
}
