package uplink

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

func TestDeliversEveryRecordInOrderAndCheckpoints(t *testing.T) {
	f := newFixture(t, &memSink{})
	s := f.stream("src", 4)
	put(t, s, 0, 5000, 37)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	put(t, s, 5000, 5000, 37)
	eventually(t, "10,000 records", func() bool { return len(f.sink.records()) >= 10000 })
	if dups := checkOrder(t, f.sink.records(), 10000, 37); dups != 0 {
		t.Errorf("%d duplicates without a restart", dups)
	}
	eventually(t, "an empty backlog", func() bool {
		st, _ := f.m.Status("d")
		return st.BacklogRecords == 0 && st.RecordsDelivered == 10000
	})
	st, _ := f.m.Status("d")
	if st.State != StateDelivering || len(st.Positions["src"]) != 4 {
		t.Errorf("status %+v", st)
	}
	cps, _ := s.Checkpoints(ConsumerName("d"))
	if len(cps) != 4 {
		t.Errorf("checkpoints %v, want one per shard", cps)
	}
}

func TestBufferSizeAndIntervalShapeBatches(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	big := make([]shards.PutEntry, 100)
	for i := range big {
		big[i] = shards.PutEntry{PartitionKey: "k", Data: make([]byte, 40<<10)} // 4 MiB in all
	}
	if _, err := s.PutRecords(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	sp := spec("d", "src")
	sp.BufferInterval = MaxBufferInterval // only size closes batches
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three full batches", func() bool { return len(sink.records()) >= 75 })
	time.Sleep(50 * time.Millisecond)
	if n := len(sink.records()); n != 75 {
		t.Errorf("%d records sent, want 75: three 1 MiB batches of 25 and the rest waiting for the interval", n)
	}
}

func TestPartialFailureRetriesOnlyTheFailed(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if call == 1 {
			return &PartialError{Failed: []RecordError{{Index: 1, Code: "Throttled"}, {Index: 3, Code: "Throttled"}}}
		}
		return nil
	}}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 10, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "10 records", func() bool { return len(sink.records()) >= 10 })
	got := sink.records()
	if len(got) != 10 || string(got[8].Data) != "k0-1" || string(got[9].Data) != "k0-3" {
		t.Errorf("got %d records, last two %q %q: want the two failed ones retried alone", len(got), got[8].Data, got[9].Data)
	}
}

func TestPermanentFailuresGoToTheDeadLetterStream(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if strings.Contains(string(b.Records[0].Data), "k0-0") {
			return Permanent("HttpEndpoint.RequestTooLarge", errors.New("413 request entity too large"))
		}
		return nil
	}}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 3, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 3 })
	dl := readAll(t, f.store, DefaultDeadLetter)
	if len(dl) != 3 {
		t.Fatalf("%d dead-letter records", len(dl))
	}
	var e map[string]any
	if err := json.Unmarshal(dl[0].Data, &e); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(e["rawData"].(string))
	if e["errorCode"] != "HttpEndpoint.RequestTooLarge" || string(raw) != "k0-0" || e["attemptsMade"].(float64) != 1 || e["sourceStream"] != "src" {
		t.Errorf("error record %v", e)
	}
	// The delivery goes on: new records are delivered.
	put(t, s, 3, 2, 1)
	eventually(t, "2 later records", func() bool { return len(sink.records()) == 2 })
}

func TestUnreachableWaitsAndLosesNothing(t *testing.T) {
	var down = true
	sink := &memSink{}
	sink.answer = func(call int, b *Batch) error {
		if down {
			return Unreachable(errors.New("connection refused"))
		}
		return nil
	}
	f := newFixture(t, sink)
	s := f.stream("src", 2)
	put(t, s, 0, 300, 5)
	sp := spec("d", "src")
	sp.RetryDuration = time.Millisecond // unreachable time does not count
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "backing off", func() bool { st, _ := f.m.Status("d"); return st.State == StateBackingOff })
	st, _ := f.m.Status("d")
	if st.BacklogRecords != 300 || st.MillisBehindLatest < 0 || st.LastError == "" {
		t.Errorf("status while unreachable: %+v", st)
	}
	sink.mu.Lock()
	down = false
	sink.mu.Unlock()
	eventually(t, "300 records", func() bool { return len(sink.records()) >= 300 })
	checkOrder(t, sink.records(), 300, 5)
	if st, _ := f.m.Status("d"); st.DeadLettered != 0 || st.State != StateDelivering {
		t.Errorf("after the outage: %+v", st)
	}
}

func TestRefusalsPastTheRetryDurationAreDeadLettered(t *testing.T) {
	sink := &memSink{answer: func(int, *Batch) error { return errors.New("503 service unavailable") }}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 4, 1)
	sp := spec("d", "src")
	sp.RetryDuration = time.Millisecond
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 4 })
	if st, _ := f.m.Status("d"); st.Retries < 1 {
		t.Errorf("dead-lettered without a retry: %+v", st)
	}
}

func TestRestartResendsTheBatchInFlightUnderItsID(t *testing.T) {
	sink := &memSink{block: make(chan struct{})}
	f := newFixture(t, sink)
	s := f.stream("src", 2)
	put(t, s, 0, 100, 4)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a batch in flight", func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.calls > 0 })
	mark, err := loadInflight(f.m.Dir, "d")
	if err != nil || mark == nil {
		t.Fatalf("in-flight marker: %v %v", mark, err)
	}
	f.close() // stops mid-send, as a crash would (the checkpoint is not written)
	sink.block = nil
	f.open()
	s, _ = f.store.Stream("src")
	put(t, s, 100, 50, 4)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "150 records", func() bool { return len(sink.records()) >= 150 })
	if sink.batches[0] != mark.ID {
		t.Errorf("first batch after the restart is %s, want the one in flight, %s", sink.batches[0], mark.ID)
	}
	st, _ := f.m.Status("d")
	if st.Redelivered != 100 {
		t.Errorf("redelivered %d, want the 100 of the batch in flight", st.Redelivered)
	}
	checkOrder(t, sink.records(), 150, 4)
}

func TestReshardKeepsOrderPerKey(t *testing.T) {
	f := newFixture(t, &memSink{})
	s := f.stream("src", 2)
	put(t, s, 0, 2000, 23)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateShardCount(4); err != nil {
		t.Fatal(err)
	}
	put(t, s, 2000, 2000, 23)
	if err := s.UpdateShardCount(2); err != nil {
		t.Fatal(err)
	}
	put(t, s, 4000, 2000, 23)
	eventually(t, "6000 records", func() bool { return len(f.sink.records()) >= 6000 })
	if dups := checkOrder(t, f.sink.records(), 6000, 23); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
}

func TestStartLatestSkipsTheOldAndPauseSurvivesRestart(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 10, 1)
	sp := spec("d", "src")
	sp.Start = StartLatest
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	put(t, s, 10, 5, 1)
	eventually(t, "5 new records", func() bool { return len(sink.records()) == 5 })
	if got := string(sink.records()[0].Data); got != "k0-10" {
		t.Errorf("first record %q, want k0-10", got)
	}
	if err := f.m.Pause("d"); err != nil {
		t.Fatal(err)
	}
	f.close()
	f.open()
	s, _ = f.store.Stream("src")
	put(t, s, 15, 5, 1)
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if st, _ := f.m.Status("d"); st.State != StatePaused || len(sink.records()) != 5 {
		t.Fatalf("after a restart: state %s, %d records: want paused with 5", st.State, len(sink.records()))
	}
	if err := f.m.Resume("d"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "10 records", func() bool { return len(sink.records()) == 10 })
}

type upperTransform struct{}

func (upperTransform) Transform(_ context.Context, _ string, recs []TransformRecord) ([]TransformResult, error) {
	out := make([]TransformResult, 0, len(recs))
	for _, r := range recs {
		switch {
		case strings.HasSuffix(string(r.Data), "-1"):
			out = append(out, TransformResult{RecordID: r.RecordID, Result: ResultDropped})
		case strings.HasSuffix(string(r.Data), "-2"):
			out = append(out, TransformResult{RecordID: r.RecordID, Result: ResultProcessingFailed})
		case strings.HasSuffix(string(r.Data), "-3"): // no answer
		default:
			out = append(out, TransformResult{RecordID: r.RecordID, Result: ResultOk, Data: []byte(strings.ToUpper(string(r.Data)))})
		}
	}
	return out, nil
}

func (upperTransform) Close() error { return nil }

func TestTransformAndJSONFormat(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) { return upperTransform{}, nil }
	s := f.stream("src", 1)
	put(t, s, 0, 5, 1)
	sp := spec("d", "src")
	sp.Transform = "upper"
	sp.Format = FormatJSON
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "records", func() bool { st, _ := f.m.Status("d"); return st.RecordsDelivered == 2 && st.DeadLettered == 2 })
	got := sink.records()
	var line map[string]any
	if err := json.Unmarshal(got[0].Data, &line); err != nil {
		t.Fatalf("%q: %v", got[0].Data, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(line["data_base64"].(string))
	if string(raw) != "K0-0" || line["partition_key"] != "k0" {
		t.Errorf("line %v", line)
	}
	if st, _ := f.m.Status("d"); st.Dropped != 1 {
		t.Errorf("dropped %d, want 1", st.Dropped)
	}
}

func TestDeleteForgetsCheckpoints(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 5, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "5", func() bool { return len(sink.records()) == 5 })
	if err := f.m.Create(context.Background(), spec("d", "src")); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v", err)
	}
	if err := f.m.Delete("d"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Status("d"); !errors.Is(err, ErrNotFound) {
		t.Errorf("status after delete: %v", err)
	}
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "5 more from the start", func() bool { return len(sink.records()) == 10 })
}

func TestStatusEventsAreRecords(t *testing.T) {
	f := newFixture(t, &memSink{})
	f.stream("src", 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Pause("d"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a status event", func() bool {
		for _, r := range readAllQuiet(f.store, "uplink-status") {
			var e map[string]any
			if json.Unmarshal(r.Data, &e) == nil && e["name"] == "d" && e["state"] == "paused" {
				return true
			}
		}
		return false
	})
}

func TestEventsOfTheGateway(t *testing.T) {
	f := newFixture(t, &memSink{})
	ctx := context.Background()
	fields := struct {
		Free int64 `json:"free_bytes"`
	}{42}
	if err := f.m.Event(ctx, "disk", "disk_full", fields); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Event(ctx, "disk", "disk_ok", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Event(ctx, "disk", "bad", []int{1}); err == nil {
		t.Error("fields that are not an object taken")
	}
	recs := readAll(t, f.store, "uplink-status")
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for i, want := range []map[string]any{{"event": "disk_full", "free_bytes": 42.0}, {"event": "disk_ok"}} {
		var e map[string]any
		if err := json.Unmarshal(recs[i].Data, &e); err != nil || recs[i].PartitionKey != "disk" {
			t.Fatalf("record %s (key %s): %v", recs[i].Data, recs[i].PartitionKey, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["time"])); err != nil || len(e) != len(want)+1 {
			t.Errorf("record %s", recs[i].Data)
		}
		for k, v := range want {
			if e[k] != v {
				t.Errorf("record %s: %s is %v, want %v", recs[i].Data, k, e[k], v)
			}
		}
	}
}

func TestSpecValidation(t *testing.T) {
	ok := spec("d", "src").WithDefaults()
	for name, mut := range map[string]func(*Spec){
		"bad name":       func(s *Spec) { s.Name = "a b" },
		"no source":      func(s *Spec) { s.From = nil },
		"tiny buffer":    func(s *Spec) { s.BufferSize = 1000 },
		"long interval":  func(s *Spec) { s.BufferInterval = time.Hour },
		"bad format":     func(s *Spec) { s.Format = "xml" },
		"no destination": func(s *Spec) { s.Destination = nil },
		"timestamp":      func(s *Spec) { s.Start = StartAtTimestamp },
	} {
		s := ok
		mut(&s)
		if err := s.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func readAll(t *testing.T, st *shards.Store, name string) []shards.Record {
	t.Helper()
	recs := readAllQuiet(st, name)
	return recs
}

func readAllQuiet(st *shards.Store, name string) []shards.Record {
	s, err := st.Stream(name)
	if err != nil {
		return nil
	}
	var out []shards.Record
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			continue
		}
		for {
			res, err := s.Read(c, 1000)
			if err != nil || len(res.Records) == 0 {
				break
			}
			out = append(out, res.Records...)
			c = res.Next
		}
	}
	return out
}

// A stop between two shards' checkpoints of one batch: the batch comes back
// whole under its ID, not only the shard whose checkpoint did not land (an
// object rewritten with part of its records would lose the rest).
func TestReplayAfterAPartialCheckpointIsWhole(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	s := f.stream("src", 2)
	var entries []shards.PutEntry
	for i := 0; i < 100; i++ {
		entries = append(entries, shards.PutEntry{PartitionKey: fmt.Sprintf("k%d", i%10), Data: fmt.Appendf(nil, "k%d-%d", i%10, i)})
	}
	res, err := s.PutRecords(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	first, last := map[string]string{}, map[string]string{}
	for _, r := range res {
		if first[r.ShardID] == "" {
			first[r.ShardID] = r.SequenceNumber
		}
		last[r.ShardID] = r.SequenceNumber
	}
	if len(last) != 2 {
		t.Fatalf("records in one shard only: %v", last)
	}
	if _, err := s.RegisterConsumer(ConsumerName("d")); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoint(ConsumerName("d"), shards.ShardID(0), last[shards.ShardID(0)]); err != nil {
		t.Fatal(err)
	}
	mark := &inflight{ID: "0123456789abcdef", Created: time.Now(), First: map[string]map[string]string{"src": first}, Last: map[string]map[string]string{"src": last}}
	if err := os.MkdirAll(f.m.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := saveInflight(f.m.Dir, "d", mark); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the batch again", func() bool { return len(sink.records()) >= 100 })
	if sink.batches[0] != mark.ID || len(sink.records()) != 100 {
		t.Fatalf("first batch %s with %d records; want the whole batch %s", sink.batches[0], len(sink.records()), mark.ID)
	}
	checkOrder(t, sink.records(), 100, 10)
	put(t, s, 100, 20, 10)
	eventually(t, "20 more", func() bool { return len(sink.records()) >= 120 })
	time.Sleep(50 * time.Millisecond)
	if n := len(sink.records()); n != 120 {
		t.Errorf("%d records, want 120: the replay must not be read a second time", n)
	}
}
