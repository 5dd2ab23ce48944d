package shards

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stall is a hook that blocks its first call until released, so a test can
// hold the engine where a slow disk or reader would.
type stall struct {
	entered, release chan struct{}
	once, free       sync.Once
}

func newStall() *stall { return &stall{entered: make(chan struct{}), release: make(chan struct{})} }

func (st *stall) hook() {
	first := false
	st.once.Do(func() { first = true })
	if first {
		close(st.entered)
		<-st.release
	}
}

func (st *stall) let() { st.free.Do(func() { close(st.release) }) }

func (st *stall) wait(t *testing.T) {
	t.Helper()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the hook was never reached")
	}
}

// within fails the test unless fn returns, without error, within d: far
// longer than fn takes unless it waits for the stalled operation.
func within(t *testing.T, d time.Duration, what string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s waited for the stalled operation (not done after %s)", what, d)
	}
}

const bound = 5 * time.Second

// A reader stuck inside a segment (a slow SD card, a huge read) holds up
// neither a segment roll, nor the puts behind it, nor retention deleting
// the segment it is in; the segment stays readable until it is done, and
// its file goes when it lets go.
func TestStuckReaderBlocksNeitherRollNorPutNorRetention(t *testing.T) {
	clock := newFakeClock()
	reader := newStall()
	st, _ := openTestStore(t, Options{Clock: clock.Now, hooks: &hooks{inSegmentRead: func(string) { reader.hook() }}})
	t.Cleanup(reader.let)
	s := mustCreate(t, st, "slow", StreamConfig{Shards: 1, Retention: 10 * time.Minute})
	first := mustPut(t, s, "k", "first")
	oldest := s.segs[0].path

	type result struct {
		recs []Record
		err  error
	}
	got := make(chan result, 1)
	go func() {
		c, err := s.Iterator(first.ShardID, TrimHorizon, "", time.Time{})
		if err != nil {
			got <- result{err: err}
			return
		}
		res, err := s.Read(c, 10)
		got <- result{res.Records, err}
	}()
	reader.wait(t)

	clock.Advance(2 * time.Minute) // past the segment's span (retention/8): the next put rolls
	within(t, bound, "a put that rolls to a new segment", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		_, err := s.PutRecord(ctx, PutEntry{PartitionKey: "k", Data: []byte("second")})
		return err
	})
	if n := s.Stats().Segments; n != 2 {
		t.Fatalf("%d segments after the roll, want 2", n)
	}
	clock.Advance(9 * time.Minute) // the first segment has expired, the second not
	within(t, bound, "retention", func() error { runMaintenance(s); return nil })
	if n := s.Stats().Segments; n != 1 {
		t.Fatalf("%d segments after retention, want 1", n)
	}
	if _, err := os.Stat(oldest); err != nil {
		t.Fatalf("the expired segment went while a reader was inside: %v", err)
	}

	reader.let()
	r := <-got
	if r.err != nil || len(r.recs) != 1 || string(r.recs[0].Data) != "first" {
		t.Fatalf("the stuck reader got %v, %v; want the record it was reading", payloads(r.recs), r.err)
	}
	if _, err := os.Stat(oldest); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the expired segment is still there once its reader is done: %v", err)
	}
	if recs := readShardFrom(t, s, first.ShardID, TrimHorizon); len(recs) != 1 || string(recs[0].Data) != "second" {
		t.Fatalf("after retention: %v, want [second]", payloads(recs))
	}
}

// Closing the store waits for a reader inside a segment rather than closing
// the file under it.
func TestCloseWaitsForAReaderInsideASegment(t *testing.T) {
	reader := newStall()
	st, _ := openTestStore(t, Options{hooks: &hooks{inSegmentRead: func(string) { reader.hook() }}})
	t.Cleanup(reader.let)
	s := mustCreate(t, st, "c", StreamConfig{Shards: 1})
	put := mustPut(t, s, "k", "x")
	got := make(chan error, 1)
	go func() {
		c, _ := s.Iterator(put.ShardID, TrimHorizon, "", time.Time{})
		res, err := s.Read(c, 10)
		if err == nil && len(res.Records) != 1 {
			err = errors.New("record missing")
		}
		got <- err
	}()
	reader.wait(t)
	closed := make(chan error, 1)
	go func() { closed <- st.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("the store closed (%v) with a reader inside a segment", err)
	case <-time.After(100 * time.Millisecond):
	}
	reader.let()
	if err := <-got; err != nil {
		t.Fatalf("the reader: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	c, _ := s.Iterator(put.ShardID, TrimHorizon, "", time.Time{})
	if _, err := s.Read(c, 10); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v, want ErrClosed", err)
	}
}

// While one stream's create is inside its catalog transaction (whose fsync
// a slow disk makes long), the store still answers lookups, and puts and
// reads of other streams go on. Creates of other streams queue at the
// catalog's single bbolt writer, not at the store's lock.
func TestSlowCreateBlocksNoOtherStream(t *testing.T) {
	create := newStall()
	st, _ := openTestStore(t, Options{hooks: &hooks{inCatalogCreate: func(name string) {
		if name == "slow" {
			create.hook()
		}
	}}})
	t.Cleanup(create.let)
	other := mustCreate(t, st, "other", StreamConfig{Shards: 1})
	created := make(chan error, 1)
	go func() {
		_, err := st.CreateStream("slow", StreamConfig{Shards: 1})
		created <- err
	}()
	create.wait(t)

	within(t, bound, "a lookup", func() error { _, err := st.Stream("other"); return err })
	within(t, bound, "the list of streams", func() error {
		if got := st.Streams(); !slices.Equal(got, []string{"other"}) {
			t.Errorf("streams while one is being created: %v", got)
		}
		return nil
	})
	within(t, bound, "a put to another stream", func() error {
		_, err := other.PutRecord(context.Background(), PutEntry{PartitionKey: "k", Data: []byte("x")})
		return err
	})
	within(t, bound, "a read of another stream", func() error {
		if recs := readShardFrom(t, other, ShardID(0), TrimHorizon); len(recs) != 1 {
			t.Errorf("read %d records, want 1", len(recs))
		}
		return nil
	})
	within(t, bound, "a second create of the same name", func() error {
		if _, err := st.CreateStream("slow", StreamConfig{Shards: 1}); !errors.Is(err, ErrExists) {
			t.Errorf("second create: %v, want ErrExists", err)
		}
		return nil
	})
	within(t, bound, "a delete of the name being created", func() error {
		if err := st.DeleteStream("slow"); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete: %v, want ErrNotFound", err)
		}
		return nil
	})

	create.let()
	if err := <-created; err != nil {
		t.Fatalf("the slow create: %v", err)
	}
	if got := st.Streams(); !slices.Equal(got, []string{"other", "slow"}) {
		t.Fatalf("streams after the create: %v", got)
	}
}

// A create of a name still being deleted must wait for the delete: were it
// to write its definition first, the delete would remove it from the
// catalog and the stream would be gone at the next start. The race is
// narrow, so the test runs it on many names.
func TestCreateDuringDeleteOfTheSameName(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	const names = 60
	for i := range names {
		name := fmt.Sprint("d", i)
		mustCreate(t, st, name, StreamConfig{Shards: 1})
		deleted := make(chan error, 1)
		go func() { deleted <- st.DeleteStream(name) }()
		for {
			_, err := st.CreateStream(name, StreamConfig{Shards: 2})
			if err == nil {
				break
			}
			if !errors.Is(err, ErrExists) {
				t.Fatal(err)
			}
		}
		if err := <-deleted; err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for i := range names {
		if s, err := st2.Stream(fmt.Sprint("d", i)); err != nil || len(s.Shards()) != 2 {
			t.Fatalf("the stream created after the delete is lost at reopen: %v", err)
		}
	}
}

// A reader that sees a commit's tip finds its records, even when the commit
// went to a segment that is no longer the newest (the writer rolled on while
// it was being written) and the reader seeks past that segment's previous
// records: the segment's time range is published before the tips.
func TestReadFindsACommitInTheSegmentBeforeARoll(t *testing.T) {
	clock := newFakeClock()
	committed := newStall()
	var armed atomic.Bool
	st, _ := openTestStore(t, Options{Clock: clock.Now, hooks: &hooks{tipsPublished: func() {
		if armed.Load() {
			committed.hook()
		}
	}}})
	t.Cleanup(committed.let)
	s := mustCreate(t, st, "r", StreamConfig{Shards: 1, Retention: 10 * time.Minute}) // segments span 75 s
	mustPut(t, s, "k", "earlier")
	clock.Advance(30 * time.Second)
	at := clock.Now()
	armed.Store(true)
	put := func(data string) {
		go func() { s.PutRecord(context.Background(), PutEntry{PartitionKey: "k", Data: []byte(data)}) }()
	}
	put("later") // into the first segment, 30 s after its first record; its committer stops once the tip is out
	committed.wait(t)
	clock.Advance(time.Minute)
	put("after the roll") // past the span: the sequencer rolls to a second segment, then waits for the committer
	for deadline := time.Now().Add(bound); s.Stats().Segments != 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writer did not roll")
		}
	}
	c, err := s.Iterator(ShardID(0), AtTimestamp, "", at)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Read(c, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := payloads(res.Records); len(got) != 1 || got[0] != "later" {
		t.Fatalf("read %v from %v, want [later]: a record under the tip was passed over", got, at)
	}
}
