package operator

import (
	"strings"
	"testing"

	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
)

func TestStatefulFunctions(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, v, LAG(v, INTERVAL '1' MINUTE) AS prev, CHANGED(v, INTERVAL '1' MINUTE) AS ch
		FROM r WHERE v > 0`)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "b", rd("b", 5, 2)) // b's own history
	h.push(3, "a", rd("a", 0, 3)) // filtered out, but a's history has it
	h.push(4, "a", rd("a", 2, 4))
	h.push(5, "a", rd("a", 2, 200)) // more than a minute after a's previous row
	h.expect(
		`{"device":"a","v":1,"prev":null,"ch":true}`,
		`{"device":"b","v":5,"prev":null,"ch":true}`,
		`{"device":"a","v":2,"prev":0,"ch":true}`,
		`{"device":"a","v":2,"prev":null,"ch":true}`,
	)
	// A key silent past the longest limit (on the processing clock) is forgotten.
	h.advance(64) // b (last at 2) is past its minute; a (last at 5) is not
	if s := h.r.Stats(); s.StatesExpired != 1 || h.r.keys.lru.Len() != 1 {
		t.Errorf("after a minute: %d keys, stats %+v", h.r.keys.lru.Len(), s)
	}
}

func TestStatefulKeysBounded(t *testing.T) {
	h := newHarnessFiles(t, plan.Limits{MaxGroups: 10, MaxKeys: 2, MaxRows: 10}, readingsDDL,
		`SELECT device, LAG(v, INTERVAL '1' HOUR) AS prev FROM r`, nil)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "b", rd("b", 2, 2))
	h.push(3, "c", rd("c", 3, 3)) // a, the least recently seen, goes
	h.push(4, "a", rd("a", 4, 4))
	h.expect(`{"device":"a","prev":null}`, `{"device":"b","prev":null}`, `{"device":"c","prev":null}`, `{"device":"a","prev":null}`)
	if s := h.r.Stats(); s.KeysEvicted != 2 || h.r.keys.lru.Len() != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestAnomalyScorePerKey(t *testing.T) {
	h := newHarness(t, readingsDDL, `SELECT device, v FROM r WHERE ABS(ANOMALY_SCORE(v, INTERVAL '1' HOUR, 8)) > 5`)
	vals := []int{20, 21, 19, 20, 22, 21, 20, 19, 21, 20, 90, 20, 21}
	for i, v := range vals {
		h.push(float64(i), "a", rd("a", v, float64(i)))
		h.push(float64(i), "b", rd("b", 90, float64(i))) // b is always 90: never unusual for b
	}
	h.expect(`{"device":"a","v":90}`)
}

func TestLookupFileTable(t *testing.T) {
	files := map[string]string{"rooms.csv": "device,room\na,kitchen\nb,hall\n\nbad \"line\n"}
	h := newHarnessFiles(t, plan.Limits{}, readingsDDL+`CREATE TABLE rooms (device STRING, room STRING) WITH (file = 'rooms.csv', key = 'device');`,
		`SELECT x.device, m.room, x.v FROM r x LEFT JOIN rooms m ON x.device = m.device`, files)
	h.push(1, "a", rd("a", 1, 1))
	h.push(2, "c", rd("c", 2, 2))
	h.expect(`{"device":"a","room":"kitchen","v":1}`, `{"device":"c","room":null,"v":2}`)
	if err := h.r.Push(1, []byte(`{}`), record.Meta{Arrival: at(3)}); err == nil || !strings.Contains(err.Error(), "loaded from rooms.csv") {
		t.Errorf("push to a file table: %v", err)
	}
}

func TestLookupStreamTable(t *testing.T) {
	h := newHarness(t, readingsDDL+`CREATE TABLE cfg (device STRING, maxv BIGINT) WITH (source = 'configs', key = 'device', max_keys = 2);`,
		`SELECT x.device, x.v, c.maxv FROM r x JOIN cfg c ON x.device = c.device WHERE x.v > c.maxv`)
	h.pushTo(1, 1, "a", `{"device":"a","maxv":5}`)
	h.pushTo(1, 2, "b", `{"device":"b","maxv":1}`)
	h.push(3, "a", rd("a", 6, 3))
	h.push(4, "b", rd("b", 2, 4))
	h.pushTo(1, 5, "a", `{"device":"a","maxv":10}`) // a's latest row replaces its first
	h.push(6, "a", rd("a", 6, 6))
	h.expect(`{"device":"a","v":6,"maxv":5}`, `{"device":"b","v":2,"maxv":1}`)
	h.pushTo(1, 7, "c", `{"device":"c","maxv":0}`) // max_keys 2: b, the least recently updated, goes
	h.push(8, "b", rd("b", 2, 8))
	h.push(9, "c", rd("c", 2, 9))
	h.expect(`{"device":"c","v":2,"maxv":0}`)
	if s := h.r.Stats(); s.TableEvicted != 1 {
		t.Errorf("stats %+v", s)
	}
}
