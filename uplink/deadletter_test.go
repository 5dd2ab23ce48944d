package uplink

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// errorSink is a memSink that keeps error output, as S3 and file do, each
// write under its batch's ID (the name of its objects); fail, when set,
// decides each write's outcome first.
type errorSink struct {
	*memSink
	mu     sync.Mutex
	writes []string       // batch IDs written, in order
	byID   map[string]int // batch ID → records written under it
	calls  int
	fail   func(call int) error
}

func newErrorSink(m *memSink) *errorSink { return &errorSink{memSink: m, byID: map[string]int{}} }

func (s *errorSink) WriteErrors(_ context.Context, b *Batch, outputType string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		if err := s.fail(s.calls); err != nil {
			return err
		}
	}
	s.writes = append(s.writes, b.ID)
	s.byID[b.ID] = len(b.Records)
	return nil
}

func (s *errorSink) state() (calls int, writes []string, byID map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for k, v := range s.byID {
		m[k] = v
	}
	return s.calls, append([]string(nil), s.writes...), m
}

// useSink makes the fixture's manager build es for every delivery.
func (f *fixture) useSink(es *errorSink) {
	f.m.NewSink = func(context.Context, Spec) (Sink, error) { return es, nil }
}

// Error output is a destination write like the batch's: when it fails it is
// retried, and the batch is checkpointed only once it is written.
func TestErrorOutputIsRetriedBeforeTheCheckpoint(t *testing.T) {
	sink := &memSink{answer: func(int, *Batch) error { return Permanent("S3.NoSuchBucket", errors.New("no bucket")) }}
	es := newErrorSink(sink)
	release := make(chan struct{})
	failed := make(chan struct{}, 8)
	es.fail = func(call int) error {
		if call <= 2 {
			failed <- struct{}{}
			if call == 2 {
				<-release
			}
			return Unreachable(errors.New("store down"))
		}
		return nil
	}
	f := newFixture(t, sink)
	f.useSink(es)
	s := f.stream("src", 1)
	put(t, s, 0, 3, 1)
	if err := f.m.Create(context.Background(), spec("d", "src")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case <-failed:
		case <-time.After(10 * time.Second):
			t.Fatalf("the error output was tried %d times, and not again", i)
		}
	}
	if cps, _ := s.Checkpoints(ConsumerName("d")); len(cps) != 0 {
		t.Errorf("checkpointed %v while the error output was not written", cps)
	}
	if st, _ := f.m.Status("d"); st.DeadLettered != 3 || st.State != StateBackingOff {
		t.Errorf("status while the error output waits: %+v", st)
	}
	close(release)
	eventually(t, "the checkpoint", func() bool { cps, _ := s.Checkpoints(ConsumerName("d")); return len(cps) == 1 })
	calls, writes, byID := es.state()
	if calls != 3 || len(writes) != 1 || byID[writes[0]] != 3 {
		t.Errorf("%d error output attempts, written %v %v: want 3 attempts, one write of 3 records", calls, writes, byID)
	}
	if n := len(readAll(t, f.store, DefaultDeadLetter)); n != 3 {
		t.Errorf("%d dead-letter records, want 3", n)
	}
}

// stopMidBatch runs a delivery with upperTransform (k0-2 ProcessingFailed,
// k0-3 unanswered) whose sink holds the batch, until the failed records
// are dead-lettered and their error output written, then stops the gateway
// there, as a crash would.
func stopMidBatch(t *testing.T) (*fixture, *errorSink) {
	t.Helper()
	sink := &memSink{block: make(chan struct{})}
	es := newErrorSink(sink)
	f := newFixture(t, sink)
	f.useSink(es)
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) { return upperTransform{}, nil }
	s := f.stream("src", 2)
	put(t, s, 0, 6, 2) // two shards: a replay holds the records in another order
	sp := spec("d", "src")
	sp.Transform = "upper"
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the batch in flight", func() bool { sink.mu.Lock(); defer sink.mu.Unlock(); return sink.calls > 0 })
	f.close()
	return f, es
}

// restart opens the fixture again and runs the delivery to its end.
func restart(t *testing.T, f *fixture, es *errorSink) {
	t.Helper()
	es.memSink.block = nil
	f.open()
	f.useSink(es)
	f.m.NewTransform = func(context.Context, Spec) (Transformer, error) { return upperTransform{}, nil }
	sp := spec("d", "src")
	sp.Transform = "upper"
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	s, _ := f.store.Stream("src")
	eventually(t, "the checkpoint", func() bool {
		cps, _ := s.Checkpoints(ConsumerName("d"))
		return len(cps) == 2 && len(es.records()) >= 3
	})
}

// A batch replayed after a stop runs through the transform again: the
// records it fails again are not dead-lettered twice, and their error
// output is not written again under another name.
func TestReplayDeadLettersOnce(t *testing.T) {
	f, es := stopMidBatch(t)
	_, before, _ := es.state()
	if len(before) != 2 {
		t.Fatalf("error output before the stop: %v, want 2 groups", before)
	}
	restart(t, f, es)
	_, after, byID := es.state()
	if n := len(readAll(t, f.store, DefaultDeadLetter)); n != 2 {
		t.Errorf("%d dead-letter records, want 2: the replay stored them again", n)
	}
	if len(byID) != 2 {
		t.Errorf("error output under %d names (%v), want the 2 of before the stop", len(byID), after)
	}
}

// A stop between the put to the dead-letter stream and its mark: the
// replay finds the records there and does not store them again, and it
// writes their error output, under the same name.
func TestReplayFindsAnInterruptedDeadLetterPut(t *testing.T) {
	f, es := stopMidBatch(t)
	_, before, _ := es.state()
	mark, err := loadInflight(f.dir+"/uplink", "d")
	if err != nil || mark == nil || len(mark.DeadLetters) != 2 {
		t.Fatalf("in-flight marker %+v, %v: want 2 dead-letter groups", mark, err)
	}
	for _, dl := range mark.DeadLetters {
		if !dl.Stored || !dl.Written {
			t.Fatalf("group not marked done before the stop: %+v", dl)
		}
		dl.Stored, dl.Written = false, false
	}
	if err := saveInflight(f.dir+"/uplink", "d", mark); err != nil {
		t.Fatal(err)
	}
	restart(t, f, es)
	_, after, byID := es.state()
	if n := len(readAll(t, f.store, DefaultDeadLetter)); n != 2 {
		t.Errorf("%d dead-letter records, want 2", n)
	}
	if len(after) != 4 || len(byID) != 2 || after[2] == after[3] {
		t.Errorf("error output %v (before the stop %v): want both groups written again, under their names", after, before)
	}
}

// A group's name does not depend on the order of its records: a replayed
// batch holds them shard after shard, the batch as first read interleaves
// the shards as records arrive.
func TestDeadLetterIDIgnoresOrder(t *testing.T) {
	f := newFixture(t, &memSink{})
	s := f.stream("src", 1)
	put(t, s, 0, 4, 1)
	recs := readAll(t, f.store, "src")
	src := &source{name: "src"}
	a, b := &shardState{src: src, id: "shardId-000000000000"}, &shardState{src: src, id: "shardId-000000000001"}
	items := []item{{st: a, rec: recs[0]}, {st: b, rec: recs[1]}, {st: a, rec: recs[2]}, {st: b, rec: recs[3]}}
	shuffled := []item{items[0], items[2], items[1], items[3]}
	if deadLetterID("batch", "processing-failed", items) != deadLetterID("batch", "processing-failed", shuffled) {
		t.Error("the same records in another order got another name")
	}
	if deadLetterID("batch", "processing-failed", items) == deadLetterID("batch", "processing-failed", items[1:]) ||
		deadLetterID("batch", "processing-failed", items) == deadLetterID("other", "processing-failed", items) ||
		deadLetterID("batch", "processing-failed", items) == deadLetterID("batch", "s3-failed", items) {
		t.Error("other records, another batch or another output type got the same name")
	}
}
