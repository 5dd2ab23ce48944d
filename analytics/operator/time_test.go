package operator

import (
	"fmt"
	"testing"
)

func TestLateness(t *testing.T) {
	h := newHarness(t, `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '5s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end FROM r GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND)`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "a", rd("a", 2, 12)) // the watermark is 7: [0, 10) is still open
	h.push(3, "a", rd("a", 4, 8))  // out of order, within the lateness
	h.expect()
	h.push(4, "a", rd("a", 8, 16)) // the watermark is 11
	h.expect(res("a", 2, 5, 0, 10))
	h.push(5, "a", rd("a", 16, 9)) // late
	h.expect()
	if s := h.r.Stats(); s.LateDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestLateInto(t *testing.T) {
	h := newHarness(t, readingsDDL, `CREATE QUERY q AS INSERT INTO out
		SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end FROM r
		GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND) EMIT LATE INTO late_rows`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "a", rd("a", 2, 15))
	h.push(3, "a", `{"device":"a","v":4,"ts":9,"extra":"kept as sent"}`)
	h.expect(res("a", 1, 1, 0, 10), `late {"device":"a","v":4,"ts":9,"extra":"kept as sent"}`)
	if s := h.r.Stats(); s.Late != 1 || s.LateDropped != 0 {
		t.Errorf("stats %+v", s)
	}
}

// One device with a wrong clock neither stalls nor poisons the others, even when their rows
// share a group: a window waits only for the partition keys that put rows in it.
func TestPerKeyWatermarks(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT COUNT(*) AS n, SUM(v) AS s, window_start FROM r GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)`)
	row := func(n, s, start int) string {
		return fmt.Sprintf(`{"n":%d,"s":%d,"window_start":%q}`, n, s, ts(start))
	}
	h.push(1, "good", rd("good", 1, 1))
	h.push(2, "good", rd("good", 2, 5))
	h.push(3, "ahead", rd("ahead", 100, 100001)) // a clock a day ahead: its own window
	h.expect()
	h.push(4, "good", rd("good", 4, 12)) // good passes 10; ahead never wrote into [0, 10)
	h.expect(row(2, 3, 0))
	h.push(5, "behind", rd("behind", 1000, -1000)) // a clock behind: not late by its own watermark
	h.push(6, "c", rd("c", 8, 14))                 // [10, 20) now waits for good and c
	h.push(7, "good", rd("good", 16, 25))
	h.expect()
	h.push(8, "c", rd("c", 32, 21))
	h.expect(row(2, 12, 10))
	h.push(9, "behind", rd("behind", 2000, -985))
	h.expect(row(1, 1000, -1000))
	h.push(10, "good", rd("good", 64, 9)) // late for good, whatever the others do
	h.flush()
	h.expect(row(1, 2000, -990), row(2, 48, 20), row(1, 100, 100000))
	if s := h.r.Stats(); s.LateDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', idle_timeout = '30s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end FROM r GROUP BY device, TUMBLE(ts, INTERVAL '10' SECOND)`)
	h.push(100, "a", rd("a", 1, 1))
	h.push(110, "b", rd("b", 2, 1))
	if next, ok := h.r.NextEvent(); !ok || !next.Equal(at(130)) {
		t.Errorf("next event %v %v, want a going idle at 130", next, ok)
	}
	h.advance(129.9)
	h.expect()
	h.advance(130) // a has been silent for 30 s: its windows close; b's wait
	h.expect(res("a", 1, 1, 0, 10))
	h.push(135, "a", rd("a", 4, 5)) // a's window closed: late
	h.push(136, "a", rd("a", 8, 11))
	h.expect()
	h.push(200, "c", rd("c", 1, 500)) // arrivals move the clock too: b (at 140) and a (at 166) go idle first
	h.expect(res("b", 1, 2, 0, 10), res("a", 1, 8, 10, 20))
	if s := h.r.Stats(); s.IdleKeys != 3 || s.LateDropped != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestProcessingTime(t *testing.T) {
	h := newHarness(t, `CREATE STREAM p (device STRING, v BIGINT);`,
		`SELECT COUNT(*) AS n, SUM(v) AS s, window_start, window_end FROM p GROUP BY TUMBLE(INTERVAL '10' SECOND)`)
	row := func(n, s, start int) string {
		return fmt.Sprintf(`{"n":%d,"s":%d,"window_start":%q,"window_end":%q}`, n, s, ts(start), ts(start+10))
	}
	h.push(1, "a", `{"device":"a","v":1}`)
	h.push(5, "b", `{"device":"b","v":2}`)
	h.advance(9.9)
	h.expect()
	h.advance(10)
	h.expect(row(2, 3, 0))
	h.push(12, "a", `{"device":"a","v":4}`)
	h.push(11, "b", `{"device":"b","v":8}`)  // arrived earlier, read later: it takes the clock's time, not late
	h.push(25, "a", `{"device":"a","v":16}`) // the clock passes 20 first
	h.expect(row(2, 12, 10))
	h.flush()
	h.expect(row(1, 16, 20))
}

// With lateness, a SLIDE row waits for its key's watermark, so that rows out of order within
// the lateness are in the results of the rows after them.
func TestSlideLateness(t *testing.T) {
	h := newHarness(t, `CREATE STREAM r (device STRING, v BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts', lateness = '5s');`,
		`SELECT device, COUNT(*) AS n, SUM(v) AS s, window_start, window_end FROM r GROUP BY device, SLIDE(ts, INTERVAL '10' SECOND)`)
	h.push(1, "a", rd("a", 1, 10))
	h.push(2, "a", rd("a", 2, 12))
	h.push(3, "a", rd("a", 4, 8))
	h.expect()
	h.push(4, "a", rd("a", 8, 20)) // the watermark 15 passes 8, 10 and 12
	h.expect(res("a", 1, 4, -2, 8), res("a", 2, 5, 0, 10), res("a", 3, 7, 2, 12))
	h.flush()
	h.expect(res("a", 2, 10, 10, 20))
}
