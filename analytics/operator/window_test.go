package operator

import (
	"fmt"
	"testing"
)

const readingsDDL = `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts');`

// res formats a result row of device, n, s, window_start, window_end.
func res(device string, n, s int, start, end int) string {
	return fmt.Sprintf(`{"device":%q,"n":%d,"s":%d,"window_start":%q,"window_end":%q}`, device, n, s, ts(start), ts(end))
}

func rd(device string, v int, sec float64) string {
	return fmt.Sprintf(`{"device":%q,"v":%d,"ts":%g}`, device, v, sec)
}

func TestTumble(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND)`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "a", rd("a", 2, 5))
	h.push(3, "b", rd("b", 7, 3))
	h.expect()
	h.push(4, "a", rd("a", 3, 12)) // a's watermark passes 10: a's first window closes, b's does not
	h.expect(res("a", 2, 3, 0, 10))
	h.push(5, "a", rd("a", 9, 8)) // late for a: its window is closed
	h.expect()
	h.push(6, "b", rd("b", 1, 25))
	h.expect(res("b", 1, 7, 0, 10))
	h.flush()
	h.expect(res("a", 1, 3, 10, 20), res("b", 1, 1, 20, 30))
	if s := h.r.Stats(); s.LateDropped != 1 || s.RowsIn != 6 || s.RowsOut != 4 || s.WindowsClosed != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestHop(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, HOP(ts, INTERVAL '10' SECOND, INTERVAL '5' SECOND)`)
	h.push(1, "a", rd("a", 1, 1)) // [-5, 5) and [0, 10)
	h.push(2, "a", rd("a", 2, 7)) // [0, 10) and [5, 15); the watermark at 7 closes [-5, 5)
	h.expect(res("a", 1, 1, -5, 5))
	h.push(3, "a", rd("a", 4, 16)) // [10, 20) and [15, 25); the watermark at 16 closes two
	h.expect(res("a", 2, 3, 0, 10), res("a", 1, 2, 5, 15))
	h.push(4, "a", rd("a", 8, 12)) // [5, 15) is closed, [10, 20) takes it
	h.flush()
	h.expect(res("a", 2, 12, 10, 20), res("a", 1, 4, 15, 25))
	if s := h.r.Stats(); s.PartlyLate != 1 || s.LateDropped != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestSlideOverTime(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, SLIDE(ts, INTERVAL '10' SECOND)`)
	h.push(1, "a", rd("a", 1, 1))
	h.expect(res("a", 1, 1, -9, 1))
	h.push(2, "a", rd("a", 2, 5))
	h.expect(res("a", 2, 3, -5, 5))
	h.push(3, "a", rd("a", 4, 12)) // the row at 1 has left the range (2, 12]
	h.expect(res("a", 2, 6, 2, 12))
	h.push(4, "a", rd("a", 8, 11)) // older than a's watermark (12): late
	h.push(5, "a", rd("a", 16, 12))
	h.expect(res("a", 3, 22, 2, 12))
	h.push(6, "b", rd("b", 1, 3)) // b's own group
	h.expect(res("b", 1, 1, -7, 3))
	if s := h.r.Stats(); s.LateDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestSlideOverRows(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS m, window_start, window_end
		FROM r GROUP BY device, SLIDE(ROWS 2)`)
	row := func(n, s, m, start, end int) string {
		return fmt.Sprintf(`{"device":"a","n":%d,"s":%d,"m":%d,"window_start":%q,"window_end":%q}`, n, s, m, ts(start), ts(end))
	}
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "a", rd("a", 2, 5))
	h.push(3, "a", rd("a", 4, 12))
	h.push(4, "a", rd("a", 3, 13))
	h.expect(row(1, 1, 1, 1, 1), row(2, 3, 2, 1, 5), row(2, 6, 4, 5, 12), row(2, 7, 4, 12, 13))
}

func TestSession(t *testing.T) {
	h := newHarness(t, `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '10s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, SESSION(ts, INTERVAL '5' SECOND)`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "a", rd("a", 2, 3)) // session [1, 8)
	h.push(3, "a", rd("a", 4, 20))
	h.push(4, "a", rd("a", 8, 28)) // two sessions: [20, 25) and [28, 33); the watermark is 18
	h.expect(res("a", 2, 3, 1, 8))
	h.push(5, "a", rd("a", 16, 24)) // bridges them: [20, 33)
	h.expect()
	h.push(6, "a", rd("a", 32, 50)) // the watermark 40 closes it
	h.expect(res("a", 3, 28, 20, 33))
	h.push(7, "a", rd("a", 64, 34)) // its own session [34, 39) is closed for a: late
	h.flush()
	h.expect(res("a", 1, 32, 50, 55))
	if s := h.r.Stats(); s.SessionsMerged != 1 || s.LateDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestSessionMaxLength(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, SESSION(ts, INTERVAL '5' SECOND, INTERVAL '12' SECOND)`)
	for i, sec := range []float64{0, 3, 6, 9} {
		h.push(sec, "a", rd("a", 1<<i, sec))
	}
	h.expect()
	h.push(12, "a", rd("a", 16, 12)) // within the gap, but 12 s from the session's start: cut
	h.expect(res("a", 4, 15, 0, 12))
	h.flush()
	h.expect(res("a", 1, 16, 12, 17))
}

func TestCountWindow(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, COUNTWINDOW(3)`)
	for i := range 7 {
		h.push(float64(i), "a", rd("a", 1<<i, float64(10-i))) // out of time order: count windows do not care
	}
	h.expect(res("a", 3, 7, 8, 10), res("a", 3, 56, 5, 7))
	h.flush() // the seventh row's window is not full: it stays open
	h.expect()

	h = newHarness(t, readingsDDL, `SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end
		FROM r GROUP BY device, COUNTWINDOW(3, 1)`)
	for i := range 5 {
		h.push(float64(i), "a", rd("a", 1<<i, float64(i)))
	}
	h.expect(res("a", 3, 7, 0, 2), res("a", 3, 14, 1, 3), res("a", 3, 28, 2, 4))
}
