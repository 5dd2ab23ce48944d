package operator

import (
	"fmt"
	"testing"

	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/value"
)

const zonesDDL = `
	CREATE STREAM motion (zone STRING, level BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts');
	CREATE STREAM badges (zone STRING, person STRING, ts TIMESTAMP) WITH (timestamp = 'ts', idle_timeout = '10m');`

func badge(zone, person string, sec int) string {
	return fmt.Sprintf(`{"zone":%q,"person":%q,"ts":%d}`, zone, person, sec)
}

func motion(zone string, level, sec int) string {
	return fmt.Sprintf(`{"zone":%q,"level":%d,"ts":%d}`, zone, level, sec)
}

func TestStreamJoin(t *testing.T) {
	h := newHarness(t, zonesDDL, `SELECT b.person, m.zone, m.level FROM badges b JOIN motion m
		ON b.zone = m.zone AND m.ts BETWEEN b.ts AND b.ts + INTERVAL '2' MINUTE`)
	h.push(1, "p1", badge("z1", "p1", 0))
	h.pushTo(1, 2, "s1", motion("z1", 10, 30)) // within [0, 120] of p1's badge
	h.pushTo(1, 3, "s2", motion("z2", 20, 30)) // another zone
	h.expect(`{"person":"p1","zone":"z1","level":10}`)
	h.pushTo(1, 4, "s1", motion("z1", 11, 200)) // beyond p1's bound; z1's motion watermark 200 lets p1's badge go
	h.pushTo(1, 5, "s1", motion("z1", 12, 100)) // older than z1's motion watermark: late
	h.push(6, "p2", badge("z1", "p2", 150))     // matches the motion at 200, still buffered
	h.push(7, "p3", badge("z1", "p3", 0))       // older than z1's badge watermark: late
	h.expect(`{"person":"p2","zone":"z1","level":11}`)
	if s := h.r.Stats(); s.JoinLate != 2 {
		t.Errorf("stats %+v", s)
	}
	sj := h.r.stages[0].stream
	if n := len(sj.keys[string(value.AppendKey(nil, value.String("z1")))].left); n != 1 {
		t.Errorf("z1 buffers %d badges, want 1 (p2's)", n)
	}
}

func TestStreamLeftJoin(t *testing.T) {
	h := newHarnessFiles(t, plan.Limits{MaxGroups: 10, MaxKeys: 10, MaxRows: 2}, zonesDDL,
		`SELECT b.person, m.level FROM badges b LEFT JOIN motion m
		ON b.zone = m.zone AND m.ts BETWEEN b.ts - INTERVAL '1' MINUTE AND b.ts + INTERVAL '1' MINUTE`, nil)
	h.pushTo(1, 1, "s1", motion("z1", 10, 50))
	h.push(2, "p1", badge("z1", "p1", 100)) // matches the motion at 50 at once
	h.push(3, "p2", badge("z1", "p2", 300)) // nothing yet
	h.expect(`{"person":"p1","level":10}`)
	h.pushTo(1, 4, "s1", motion("z1", 11, 500)) // z1's motion watermark passes 300 + 60: p2 never matched
	h.expect(`{"person":"p2","level":null}`)
	h.push(5, "p3", badge("z2", "p3", 400))
	h.push(6, "p4", badge("z3", "p4", 400))
	h.push(7, "p5", badge("z4", "p5", 400)) // three badges buffered, two allowed: the oldest goes
	h.expect(`{"person":"p3","level":null}`)
	h.push(8, "p6", badge("z5", "p6", 400))
	h.expect(`{"person":"p4","level":null}`)
	h.advance(607) // z4 (last at 7) has been silent for the idle timeout
	h.expect(`{"person":"p5","level":null}`)
	h.flush()
	h.expect(`{"person":"p6","level":null}`)
	if s := h.r.Stats(); s.JoinRowsEvicted != 2 || s.IdleJoinKeys < 1 {
		t.Errorf("stats %+v", s)
	}
}

// A join of two streams feeding a window: joined rows carry the badge's partition key and
// time into the window.
func TestStreamJoinWindow(t *testing.T) {
	h := newHarness(t, zonesDDL, `SELECT b.zone, COUNT(*) AS n, SUM(m.level) AS s, window_start FROM badges b JOIN motion m
		ON b.zone = m.zone AND m.ts BETWEEN b.ts AND b.ts + INTERVAL '30' SECOND
		GROUP BY b.zone, TUMBLE(b.ts, INTERVAL '1' MINUTE)`)
	h.push(1, "p1", badge("z1", "p1", 10))
	h.pushTo(1, 2, "s1", motion("z1", 1, 20))
	h.pushTo(1, 3, "s1", motion("z1", 2, 30))
	h.push(4, "p1", badge("z1", "p1", 70)) // p1's watermark passes 60; the window is written
	h.expect(fmt.Sprintf(`{"zone":"z1","n":2,"s":3,"window_start":%q}`, ts(0)))
}

// Without an idle timeout a join key never goes idle: its rows wait for the other side
// however long the processing clock runs (they were dropped at the clock's next move).
func TestStreamJoinWithoutIdleTimeout(t *testing.T) {
	h := newHarness(t, `
		CREATE STREAM motion (zone STRING, level BIGINT, ts TIMESTAMP) WITH (timestamp = 'ts');
		CREATE STREAM badges (zone STRING, person STRING, ts TIMESTAMP) WITH (timestamp = 'ts');`,
		`SELECT b.person, m.level FROM badges b JOIN motion m
		ON b.zone = m.zone AND m.ts BETWEEN b.ts - INTERVAL '1' MINUTE AND b.ts + INTERVAL '1' MINUTE`)
	h.pushTo(1, 1, "s1", motion("z1", 10, 50))
	h.push(2, "p1", badge("z1", "p1", 100))
	h.advance(3600)
	h.pushTo(1, 3601, "s1", motion("z1", 11, 120))
	h.expect(`{"person":"p1","level":10}`, `{"person":"p1","level":11}`)
	if s := h.r.Stats(); s.IdleJoinKeys != 0 {
		t.Errorf("stats %+v", s)
	}
}
