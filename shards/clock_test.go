package shards

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// Time on a board without a real-time clock: the wall clock boots in 1970
// or wherever fake-hwclock left it and jumps when NTP syncs. These tests
// run the engine on injected clocks (boardClocks) through each case and
// check that no record the rules keep is lost or hidden, that order holds,
// and that the counts are right. The rules: docs/shards.md, "Time".

// livedWrites notes the monotonic time each numbered record was put at.
type livedWrites map[int]time.Duration

func (w livedWrites) put(t *testing.T, s *Stream, c *boardClocks, n0, count, keys int, every time.Duration) {
	t.Helper()
	for i := n0; i < n0+count; i++ {
		putOverTime(t, s, c, i, 1, keys, every)
		_, since := boardMonotonic{c}.Now()
		w[i] = since
	}
}

// within returns the numbers of the records put no longer than retention
// before now (monotonic): what a reader must see when nobody keeps more.
func (w livedWrites) within(now, retention time.Duration) []int {
	var out []int
	for i, at := range w {
		if now-at <= retention {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

func (c *boardClocks) sinceBoot() time.Duration { _, d := boardMonotonic{c}.Now(); return d }

func TestClockBootAt1970(t *testing.T) {
	c := newBoardClocks(time.Unix(10, 0).UTC(), false) // no RTC, no fake-hwclock: 1970
	events := &eventLog{}
	st := openBoard(t, t.TempDir(), c, events)
	defer st.Close()
	s := mustCreate(t, st, "sensors", StreamConfig{Shards: 2, Retention: 24 * time.Hour})
	w := livedWrites{}
	w.put(t, s, c, 0, 120, 6, time.Minute) // two hours of readings "in 1970"

	for _, r := range recordsByNumber(t, s) {
		if r.Clock != ClockUnsynced || r.ArrivalTime.Year() != 1970 {
			t.Fatalf("before NTP: record arrived %v (%s), want 1970 and unsynced", r.ArrivalTime, r.Clock)
		}
	}
	// NTP answers, days later in truth: the wall clock jumps 56 years.
	truth := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	syncedAt := c.sinceBoot()
	c.Sync(truth)
	st.checkClock()
	if ev := events.wait(t, EventClockStep, 1)[0]; ev.Step < 50*365*24*time.Hour || !ev.Synced || ev.WhileStopped {
		t.Fatalf("step event %+v", ev)
	}
	w.put(t, s, c, 120, 60, 6, time.Minute)
	runMaintenance(s)
	checkNumbered(t, s, numbers(0, 180))
	if n := st.ClockStatus().Steps; n != 1 {
		t.Fatalf("%d steps counted, want 1", n)
	}

	// The 1970 records' arrival times are corrected to when they truly
	// arrived, the later ones are as the synchronized clock said.
	recs := recordsByNumber(t, s)
	for i := 0; i < 180; i++ {
		r := recs[i]
		want := truth.Add(w[i] - syncedAt)
		if i < 120 && r.Clock != ClockCorrected || i >= 120 && r.Clock != ClockSynced {
			t.Fatalf("record %d: clock %s", i, r.Clock)
		}
		if d := r.ArrivalTime.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("record %d arrived %v, truly %v (%s off)", i, r.ArrivalTime, want, d)
		}
	}
	// AT_TIMESTAMP seeks by those arrival times.
	ts := truth.Add(w[50] - syncedAt)
	for _, sh := range s.Shards() {
		it, err := s.Iterator(sh.ShardID, AtTimestamp, "", ts)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := readAll(t, s, it)
		want := 0
		for i := 50; i < 180; i++ {
			if recs[i].shard == sh.Index {
				want++
			}
		}
		if len(got) != want || len(got) == 0 || got[0].ArrivalTime.Before(ts) {
			t.Fatalf("%s from AT_TIMESTAMP %v: %d records (first %v), want %d", sh.ShardID, ts, len(got), got[0].ArrivalTime, want)
		}
	}

	// Ages run on the monotonic clock: 21 h later everything is younger
	// than the retention period and kept; 4 h more and all of it has
	// expired, so nothing stays for ever either.
	c.Live(21 * time.Hour)
	runMaintenance(s)
	checkNumbered(t, s, numbers(0, 180))
	c.Live(4 * time.Hour)
	runMaintenance(s)
	checkNumbered(t, s, nil)
	if got := s.Stats(); got.Segments != 0 {
		t.Fatalf("%d segments left after everything expired", got.Segments)
	}
}

func TestClockForwardJump30Days(t *testing.T) {
	c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
	events := &eventLog{}
	st := openBoard(t, t.TempDir(), c, events)
	defer st.Close()
	s := mustCreate(t, st, "sensors", StreamConfig{Shards: 4, Retention: 24 * time.Hour})
	w := livedWrites{}
	w.put(t, s, c, 0, 200, 10, 20*time.Second)
	c.Step(30 * 24 * time.Hour)
	st.checkClock()
	if ev := events.wait(t, EventClockStep, 1)[0]; ev.Step != 30*24*time.Hour {
		t.Fatalf("step event %+v, want a step of 720h", ev)
	}
	w.put(t, s, c, 200, 100, 10, 20*time.Second)
	segs := s.Stats().Segments
	runMaintenance(s)
	// By the wall clock the first 200 records are 30 days old: they stay.
	checkNumbered(t, s, numbers(0, 300))
	if got := s.Stats().Segments; got != segs {
		t.Fatalf("retention deleted %d of %d segments after the jump", segs-got, segs)
	}
	c.Live(22 * time.Hour)
	runMaintenance(s)
	checkNumbered(t, s, numbers(0, 300))
	// Past the retention period in lived time, they go, record by record.
	c.Live(time.Hour + 10*time.Minute + 5*time.Second)
	runMaintenance(s)
	want := w.within(c.sinceBoot(), 24*time.Hour)
	if len(want) == 0 || len(want) == 300 {
		t.Fatalf("test setup: %d records within retention", len(want))
	}
	checkNumbered(t, s, want)
	c.Live(2 * time.Hour)
	runMaintenance(s)
	checkNumbered(t, s, nil)
}

func TestClockBackwardStep1Hour(t *testing.T) {
	c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
	events := &eventLog{}
	st := openBoard(t, t.TempDir(), c, events)
	defer st.Close()
	a := mustCreate(t, st, "a", StreamConfig{Shards: 2, Retention: 2 * time.Hour})
	b := mustCreate(t, st, "b", StreamConfig{Shards: 2, Retention: 2 * time.Hour})
	wa, wb := livedWrites{}, livedWrites{}
	wa.put(t, a, c, 0, 100, 8, 10*time.Second)
	c.Step(-time.Hour)
	st.checkClock()
	if ev := events.wait(t, EventClockStep, 1)[0]; ev.Step != -time.Hour {
		t.Fatalf("step event %+v, want a step of -1h", ev)
	}
	wb.put(t, b, c, 0, 50, 8, 10*time.Second)
	wa.put(t, a, c, 100, 100, 8, 10*time.Second)
	runMaintenance(a)
	runMaintenance(b)
	checkNumbered(t, a, numbers(0, 200))
	checkNumbered(t, b, numbers(0, 50))

	// No record put after the step looks older than one put before it,
	// in any shard of either stream.
	ra, rb := recordsByNumber(t, a), recordsByNumber(t, b)
	var newestBefore time.Time
	for i := 0; i < 100; i++ {
		if ra[i].ArrivalTime.After(newestBefore) {
			newestBefore = ra[i].ArrivalTime
		}
	}
	for i := 100; i < 200; i++ {
		if ra[i].ArrivalTime.Before(newestBefore) {
			t.Fatalf("a: record %d put after the step arrived %v, before record put before it (%v)", i, ra[i].ArrivalTime, newestBefore)
		}
	}
	for i, r := range rb {
		if r.ArrivalTime.Before(newestBefore) {
			t.Fatalf("b: record %d put after the step arrived %v, before a's records put before it (%v)", i, r.ArrivalTime, newestBefore)
		}
	}
	// AT_TIMESTAMP by the stepped-back clock gives every record arrived at
	// or after it.
	ts := c.Wall().Add(-5 * time.Minute)
	for _, sh := range a.Shards() {
		it, _ := a.Iterator(sh.ShardID, AtTimestamp, "", ts)
		got, _ := readAll(t, a, it)
		if all := readShardFrom(t, a, sh.ShardID, TrimHorizon); len(got) != len(all) {
			t.Fatalf("%s: AT_TIMESTAMP %v gives %d of the shard's %d records, all arrived after it", sh.ShardID, ts, len(got), len(all))
		}
	}

	// Expiry counts lived time: the records put before the step expire
	// two hours after they were put, not an hour later as the wall clock
	// would have it. Those put while the arrival clock waited for the
	// wall clock to catch up are kept until their segment's newest has
	// expired (when each arrived is not known): none goes early.
	c.Live(time.Hour + 50*time.Minute)
	runMaintenance(a)
	runMaintenance(b)
	now := c.sinceBoot()
	checkKeptAtLeast(t, a, wa.within(now, 2*time.Hour), numbers(100, 200))
	checkKeptAtLeast(t, b, wb.within(now, 2*time.Hour), numbers(0, 50))
	if got := wa.within(now, 2*time.Hour); len(got) == 0 || got[0] < 100 {
		t.Fatalf("test setup: %v within retention", got)
	}
	c.Live(30 * time.Minute)
	runMaintenance(a)
	runMaintenance(b)
	checkNumbered(t, a, nil)
	checkNumbered(t, b, nil)
}

// checkKeptAtLeast checks that every record in want is readable, in order,
// and that any other readable record is one of mayStay.
func checkKeptAtLeast(t *testing.T, s *Stream, want, mayStay []int) {
	t.Helper()
	got := map[int]bool{}
	for i := range recordsByNumber(t, s) {
		got[i] = true
	}
	all := append([]int(nil), want...)
	for _, i := range mayStay {
		if got[i] && !slices.Contains(want, i) {
			all = append(all, i)
		}
	}
	checkNumbered(t, s, all)
}

func TestClockRestartBetweenJumpAndWrite(t *testing.T) {
	t.Run("same boot", func(t *testing.T) {
		c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
		dir := t.TempDir()
		events := &eventLog{}
		st := openBoard(t, dir, c, events)
		s := mustCreate(t, st, "sensors", StreamConfig{Shards: 2, Retention: 24 * time.Hour})
		putOverTime(t, s, c, 0, 50, 5, time.Minute)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		// The clock jumps while the gateway is stopped.
		c.Step(30 * 24 * time.Hour)
		c.Live(2 * time.Minute)
		st = openBoard(t, dir, c, events)
		defer st.Close()
		if ev := events.wait(t, EventClockStep, 1)[0]; !ev.WhileStopped || ev.Step != 30*24*time.Hour {
			t.Fatalf("step event %+v, want one of 720h while stopped", ev)
		}
		s, _ = st.Stream("sensors")
		putOverTime(t, s, c, 50, 50, 5, time.Minute)
		runMaintenance(s)
		checkNumbered(t, s, numbers(0, 100))
		c.Live(22 * time.Hour)
		runMaintenance(s)
		checkNumbered(t, s, numbers(0, 100))
	})

	// The Pi: it lost power in an outage, came back two days later
	// with its clock where fake-hwclock saved it, recorded for half a day,
	// and then NTP stepped its clock two days forward.
	t.Run("reboot with the clock behind", func(t *testing.T) {
		c := newBoardClocks(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), true)
		dir := t.TempDir()
		events := &eventLog{}
		st := openBoard(t, dir, c, events)
		s := mustCreate(t, st, "sensors", StreamConfig{Shards: 2, Retention: 24 * time.Hour})
		putOverTime(t, s, c, 0, 60, 6, time.Minute)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		saved := c.Wall()
		truthAtBoot := saved.Add(2 * 24 * time.Hour)
		c.Reboot("boot-2", saved)
		st = openBoard(t, dir, c, events)
		defer st.Close()
		s, _ = st.Stream("sensors")
		w := livedWrites{}
		w.put(t, s, c, 60, 72, 6, 10*time.Minute) // half a day
		runMaintenance(s)
		checkNumbered(t, s, numbers(0, 132))
		syncedAt := c.sinceBoot()
		truth := truthAtBoot.Add(syncedAt)
		c.Sync(truth)
		st.checkClock()
		if ev := events.wait(t, EventClockStep, 1)[0]; ev.Step < 2*24*time.Hour {
			t.Fatalf("step event %+v", ev)
		}
		w.put(t, s, c, 132, 6, 6, time.Minute)
		runMaintenance(s)
		// What the Pi recorded since the boot is half a day old and stays;
		// the hour before the power cut is two and a half days old, as
		// the synchronized clock measures the outage, and has expired.
		checkNumbered(t, s, numbers(60, 138))
		recs := recordsByNumber(t, s)
		for i := 60; i < 132; i++ {
			want := truth.Add(w[i] - syncedAt)
			if d := recs[i].ArrivalTime.Sub(want); recs[i].Clock != ClockCorrected || d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("record %d arrived %v (%s), truly %v", i, recs[i].ArrivalTime, recs[i].Clock, want)
			}
		}
		c.Live(12*time.Hour + 30*time.Minute)
		runMaintenance(s)
		if want := w.within(c.sinceBoot(), 24*time.Hour); len(want) == 78 || len(want) == 0 {
			t.Fatalf("test setup: %d records within retention", len(want))
		} else {
			checkNumbered(t, s, want)
		}
	})
}

func TestClockDeliveryOfflineLongerThanRetention(t *testing.T) {
	t.Run("kept until delivered", func(t *testing.T) {
		c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
		events := &eventLog{}
		st := openBoard(t, t.TempDir(), c, events)
		defer st.Close()
		s := mustCreate(t, st, "sensors", StreamConfig{Shards: 2, Retention: time.Hour, KeepFor: []string{"delivery-a"}})
		for _, name := range []string{"delivery-a", "dashboard"} {
			if _, err := s.RegisterConsumer(name); err != nil {
				t.Fatal(err)
			}
		}
		putOverTime(t, s, c, 0, 120, 8, 30*time.Second) // an hour
		// The delivery sends 20 records of each shard, then its uplink
		// goes down for three retention periods.
		delivered := map[int]bool{}
		for _, sh := range s.Shards() {
			cur, _ := s.Resume("delivery-a", sh.ShardID, TrimHorizon)
			res, err := s.Read(cur, 20)
			if err != nil || len(res.Records) != 20 {
				t.Fatalf("read: %d records, %v", len(res.Records), err)
			}
			for _, r := range res.Records {
				var i int
				fmt.Sscanf(string(r.Data), "r%05d", &i)
				delivered[i] = true
			}
			if err := s.Checkpoint("delivery-a", sh.ShardID, res.Records[19].SequenceNumber()); err != nil {
				t.Fatal(err)
			}
		}
		segs := s.Stats().Segments
		c.Live(3 * time.Hour)
		runMaintenance(s)
		if got := s.Stats().Segments; got >= segs {
			t.Fatalf("no segment the delivery had read was deleted: %d → %d", segs, got)
		}
		// Back online: it resumes and finds every record it had not sent,
		// in order, and nothing was counted lost.
		var rest []int
		for i := 0; i < 120; i++ {
			if !delivered[i] {
				rest = append(rest, i)
			}
		}
		got := map[int]bool{}
		for _, sh := range s.Shards() {
			cur, _ := s.Resume("delivery-a", sh.ShardID, TrimHorizon)
			recs, _ := readAll(t, s, cur)
			prev := -1
			for _, r := range recs {
				var i int
				fmt.Sscanf(string(r.Data), "r%05d", &i)
				if i <= prev || delivered[i] || got[i] {
					t.Fatalf("%s: record %d after %d (delivered before: %v)", sh.ShardID, i, prev, delivered[i])
				}
				got[i], prev = true, i
			}
			if len(recs) > 0 {
				if err := s.Checkpoint("delivery-a", sh.ShardID, recs[len(recs)-1].SequenceNumber()); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(got) != len(rest) {
			t.Fatalf("the delivery finds %d of the %d records it had not sent", len(got), len(rest))
		}
		if n := s.Stats().UndeliveredDeleted; n != 0 {
			t.Fatalf("%d records counted lost", n)
		}
		// Delivered: now retention deletes them.
		runMaintenance(s)
		if st := s.Stats(); st.Segments != 0 {
			t.Fatalf("%d segments left once everything was delivered and had expired", st.Segments)
		}
		checkNumbered(t, s, nil)
	})

	t.Run("max_bytes bounds it", func(t *testing.T) {
		c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
		events := &eventLog{}
		st := openBoard(t, t.TempDir(), c, events)
		defer st.Close()
		s := mustCreate(t, st, "sensors", StreamConfig{Shards: 1, Retention: time.Hour, MaxBytes: 1 << 20,
			OnFull: OverwriteOldest, KeepFor: []string{"delivery-a"}})
		if _, err := s.RegisterConsumer("delivery-a"); err != nil {
			t.Fatal(err)
		}
		const total = 3000
		for i := 0; i < total; i += 100 {
			var es []PutEntry
			for j := i; j < i+100; j++ {
				es = append(es, PutEntry{PartitionKey: "k", Data: fmt.Appendf(make([]byte, 0, 1024), "r%05d%01019d", j, 0)})
			}
			if _, err := s.PutRecords(context.Background(), es); err != nil {
				t.Fatal(err)
			}
		}
		runMaintenance(s)
		lost := s.Stats().UndeliveredDeleted
		cur, _ := s.Resume("delivery-a", ShardID(0), TrimHorizon)
		left, _ := readAll(t, s, cur)
		if lost == 0 || int(lost)+len(left) != total {
			t.Fatalf("%d records counted lost, %d left to deliver, %d put", lost, len(left), total)
		}
		for k, r := range left { // the newest are what is left
			if want := fmt.Sprintf("r%05d", total-len(left)+k); string(r.Data[:6]) != want {
				t.Fatalf("left record %d is %s, want %s", k, r.Data[:6], want)
			}
		}
		var sum int64
		for _, ev := range waitLost(t, events, lost) {
			if ev.Stream != "sensors" || ev.Consumer != "delivery-a" || ev.Reason != ReasonMaxBytes {
				t.Fatalf("event %+v", ev)
			}
			sum += ev.Records
		}
		if sum != lost {
			t.Fatalf("events report %d records lost, the stream counted %d", sum, lost)
		}
	})

	t.Run("the disk reserve bounds it", func(t *testing.T) {
		c := newBoardClocks(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), true)
		events := &eventLog{}
		var low atomic.Bool
		opts := c.options(events)
		opts.SpaceLow = low.Load
		st, err := Open(t.TempDir(), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s := mustCreate(t, st, "sensors", StreamConfig{Shards: 1, Retention: time.Hour, KeepFor: []string{"delivery-a"}})
		if _, err := s.RegisterConsumer("delivery-a"); err != nil {
			t.Fatal(err)
		}
		putOverTime(t, s, c, 0, 120, 4, 30*time.Second)
		c.Live(2 * time.Hour)
		runMaintenance(s)
		segs := s.Stats().Segments
		checkNumbered(t, s, numbers(0, 120)) // kept: nobody delivered them
		low.Store(true)
		runMaintenance(s)
		runMaintenance(s)
		if got := s.Stats().Segments; got != segs-2 {
			t.Fatalf("with the disk below its reserve, %d → %d segments in two seconds, want one a second", segs, got)
		}
		lost := s.Stats().UndeliveredDeleted
		checkNumbered(t, s, numbers(int(lost), 120))
		for _, ev := range waitLost(t, events, lost) {
			if ev.Reason != ReasonDiskReserve || ev.Consumer != "delivery-a" {
				t.Fatalf("event %+v", ev)
			}
		}
		low.Store(false)
		runMaintenance(s)
		checkNumbered(t, s, numbers(int(lost), 120))
	})
}

// waitLost returns the undelivered_deleted events once they add up to n.
func waitLost(t *testing.T, events *eventLog, n int64) []Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		events.mu.Lock()
		var out []Event
		var sum int64
		for _, ev := range events.evs {
			if ev.Kind == EventUndeliveredDeleted {
				out = append(out, ev)
				sum += ev.Records
			}
		}
		events.mu.Unlock()
		if sum >= n || time.Now().After(deadline) {
			if sum != n {
				t.Fatalf("events report %d records lost, want %d: %+v", sum, n, out)
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A store written before segments had time stamps opens: segment files and
// a catalog from the version before (testdata/store-before-stamps.tar.gz,
// made by that version's code: a 2-shard stream "telemetry", retention
// 24 h, records "reading-000".."reading-059" put a minute apart from
// 2026-05-01 12:00 UTC, 0-29 then, three hours later, shard 0 split and
// 30-59 from 15:30; consumer "reader" checkpointed at shard 1's fifth
// record). Its segments are dated by the wall clock when it is
// synchronized at that first open, and counted as written then when not;
// from then on they age on the monotonic clock.
func TestClockOldFormatStore(t *testing.T) {
	newest := time.Date(2026, 5, 1, 15, 59, 0, 0, time.UTC)
	arrived := func(i int) time.Time {
		if i < 30 {
			return time.Date(2026, 5, 1, 12, i, 0, 0, time.UTC)
		}
		return time.Date(2026, 5, 1, 15, i, 0, 0, time.UTC)
	}
	read := func(t *testing.T, s *Stream) []int {
		t.Helper()
		var out []int
		for _, recs := range readStream(t, s) {
			for _, r := range recs {
				var i int
				if _, err := fmt.Sscanf(string(r.Data), "reading-%03d", &i); err != nil {
					t.Fatal(err)
				}
				if !r.ArrivalTime.Equal(arrived(i)) || r.Clock != ClockSynced {
					t.Fatalf("record %d arrived %v (%s), stored as %v", i, r.ArrivalTime, r.Clock, arrived(i))
				}
				out = append(out, i)
			}
		}
		sort.Ints(out)
		return out
	}

	t.Run("synchronized at the upgrade", func(t *testing.T) {
		dir := extractStore(t, "testdata/store-before-stamps.tar.gz")
		c := newBoardClocks(newest.Add(time.Hour), true)
		events := &eventLog{}
		st := openBoard(t, dir, c, events)
		s, err := st.Stream("telemetry")
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, s); !slices.Equal(got, numbers(0, 60)) {
			t.Fatalf("records %v", got)
		}
		if len(s.Shards()) != 4 {
			t.Fatalf("shards %+v", s.Shards())
		}
		cps, err := s.Checkpoints("reader")
		if err != nil || len(cps) != 1 {
			t.Fatalf("checkpoints %v, %v", cps, err)
		}
		cur, _ := s.Resume("reader", ShardID(1), TrimHorizon)
		if rest, _ := readAll(t, s, cur); len(rest) != len(readShardFrom(t, s, ShardID(1), TrimHorizon))-5 {
			t.Fatalf("the reader resumes with %d records", len(rest))
		}
		putOverTime(t, mustCreate(t, st, "new", StreamConfig{}), c, 0, 1, 1, time.Second)
		st.Close()
		// The estimate was written down: a restart with the wall clock a
		// month ahead does not date the records again.
		c.Step(30 * 24 * time.Hour)
		c.Live(time.Minute)
		st = openBoard(t, dir, c, events)
		defer st.Close()
		s, _ = st.Stream("telemetry")
		runMaintenance(s)
		if got := read(t, s); !slices.Equal(got, numbers(0, 60)) {
			t.Fatalf("after a restart, records %v", got)
		}
		// The oldest were 5 h old at the upgrade: they expire 19 h later.
		c.Live(18*time.Hour + 50*time.Minute)
		runMaintenance(s)
		if got := read(t, s); !slices.Equal(got, numbers(0, 60)) {
			t.Fatalf("records %v", got)
		}
		c.Live(time.Hour)
		runMaintenance(s)
		if got := read(t, s); !slices.Equal(got, numbers(30, 60)) {
			t.Fatalf("records %v, want 30-59", got)
		}
		c.Live(4 * time.Hour)
		runMaintenance(s)
		if got := read(t, s); len(got) != 0 || len(s.Shards()) != 3 {
			t.Fatalf("records %v and shards %d after all expired", got, len(s.Shards()))
		}
	})

	t.Run("not synchronized at the upgrade", func(t *testing.T) {
		dir := extractStore(t, "testdata/store-before-stamps.tar.gz")
		c := newBoardClocks(time.Unix(30, 0), false) // rebooted without a clock
		st := openBoard(t, dir, c, &eventLog{})
		defer st.Close()
		s, _ := st.Stream("telemetry")
		c.Live(23 * time.Hour)
		runMaintenance(s)
		if got := read(t, s); !slices.Equal(got, numbers(0, 60)) {
			t.Fatalf("records %v", got)
		}
		c.Live(2 * time.Hour)
		runMaintenance(s)
		if got := read(t, s); len(got) != 0 {
			t.Fatalf("records %v after a retention period", got)
		}
	})
}
