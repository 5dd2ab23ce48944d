package uplink

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// A delivery whose records were dead-lettered after its retry duration has
// nothing left to fail on: with its backlog empty it is delivering again,
// its last error kept, and that error is the latest one (the refusal that
// ran the retry duration out, not an earlier one).
func TestStateAndLastErrorAfterDeadLettering(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if call == 1 {
			return errors.New("first refusal")
		}
		return errors.New("503 slow down")
	}}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 3, 1)
	sp := spec("d", "src")
	sp.RetryDuration = time.Millisecond
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 dead-lettered and an empty backlog", func() bool {
		st, _ := f.m.Status("d")
		return st.DeadLettered == 3 && st.BacklogRecords == 0
	})
	eventually(t, "the delivery delivering again, done with the batch", func() bool {
		cps, _ := s.Checkpoints(ConsumerName("d"))
		st, _ := f.m.Status("d")
		return len(cps) == 1 && st.State == StateDelivering
	})
	st, _ := f.m.Status("d")
	if !strings.Contains(st.LastError, "retry duration") || !strings.Contains(st.LastError, "503 slow down") {
		t.Errorf("last error %q, want the refusal that ran the retry duration out", st.LastError)
	}
}

// A permanent refusal is the delivery's last error, though it is
// dead-lettered at once rather than retried.
func TestPermanentRefusalIsTheLastError(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if call == 1 {
			return errors.New("500 internal error")
		}
		return Permanent("S3.NoSuchBucket", errors.New("no such bucket"))
	}}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	put(t, s, 0, 2, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 2 })
	if st, _ := f.m.Status("d"); !strings.Contains(st.LastError, "no such bucket") {
		t.Errorf("last error %q, want the permanent refusal", st.LastError)
	}
}

// Counters and positions survive a restart of the gateway.
func TestCountersAndPositionsSurviveARestart(t *testing.T) {
	sink := &memSink{answer: func(call int, b *Batch) error {
		if strings.HasSuffix(string(b.Records[0].Data), "-0") {
			return Permanent("Refused", errors.New("refused for good"))
		}
		return nil
	}}
	f := newFixture(t, sink)
	s := f.stream("src", 2)
	put(t, s, 0, 1, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "1 dead-lettered", func() bool { st, _ := f.m.Status("d"); return st.DeadLettered == 1 })
	put(t, s, 1, 40, 4)
	eventually(t, "40 delivered and checkpointed", func() bool {
		st, _ := f.m.Status("d")
		cps, _ := s.Checkpoints(ConsumerName("d"))
		return st.RecordsDelivered == 40 && st.BacklogRecords == 0 && len(cps) > 0 && maps.Equal(st.Positions["src"], cps)
	})
	before, _ := f.m.Status("d")

	f.close()
	f.open()
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the positions", func() bool { st, _ := f.m.Status("d"); return len(st.Positions["src"]) == len(before.Positions["src"]) })
	after, _ := f.m.Status("d")
	if after.RecordsDelivered != before.RecordsDelivered || after.BytesDelivered != before.BytesDelivered ||
		after.Batches != before.Batches || after.DeadLettered != 1 || after.LastError != before.LastError || after.LastError == "" {
		t.Errorf("after a restart %+v, before %+v", after, before)
	}
	for shard, seq := range before.Positions["src"] {
		if after.Positions["src"][shard] != seq {
			t.Errorf("position of %s: %s after the restart, %s before", shard, after.Positions["src"][shard], seq)
		}
	}
	// Deleting the delivery forgets them.
	if err := f.m.Delete("d"); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.m.Status("d"); st.DeadLettered != 0 || st.LastError != "" {
		t.Errorf("a delivery created again after a delete starts with %+v", st)
	}
}
