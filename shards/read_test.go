package shards

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestIteratorTypes(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "it", StreamConfig{Shards: 1})
	var puts []PutResult
	for i := 0; i < 10; i++ {
		puts = append(puts, mustPut(t, s, "k", fmt.Sprint(i)))
		clock.Advance(time.Second)
	}
	id := puts[0].ShardID
	read := func(typ IteratorType, seq string, ts time.Time) []string {
		t.Helper()
		c, err := s.Iterator(id, typ, seq, ts)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		recs, _ := readAll(t, s, c)
		return payloads(recs)
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	eq(read(TrimHorizon, "", zeroTime), "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	eq(read(AtSequenceNumber, puts[7].SequenceNumber, zeroTime), "7", "8", "9")
	eq(read(AfterSequenceNumber, puts[7].SequenceNumber, zeroTime), "8", "9")
	eq(read(AtTimestamp, "", clock.Now().Add(-3*time.Second)), "7", "8", "9")
	eq(read(AtTimestamp, "", clock.Now().Add(-100*time.Second)), "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	eq(read(AtTimestamp, "", clock.Now().Add(time.Hour)))

	latest, err := s.Iterator(id, Latest, "", zeroTime)
	if err != nil {
		t.Fatal(err)
	}
	if recs, _ := readAll(t, s, latest); len(recs) != 0 {
		t.Fatalf("LATEST returned old records %v", payloads(recs))
	}
	mustPut(t, s, "k", "new")
	recs, _ := readAll(t, s, latest)
	eq(payloads(recs), "new")
	if !recs[0].ArrivalTime.Equal(clock.Now().Truncate(time.Millisecond)) {
		t.Fatalf("arrival time %v, want %v", recs[0].ArrivalTime, clock.Now())
	}
}

func TestIteratorErrors(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "it", StreamConfig{Shards: 2})
	other := mustCreate(t, st, "other", StreamConfig{Shards: 2})
	r0 := mustPut(t, s, keyFor(0), "x")
	otherShard := ShardID(1)
	if r0.ShardID == otherShard {
		otherShard = ShardID(0)
	}
	ro := mustPut(t, other, keyFor(0), "x")
	for _, tc := range []struct {
		name  string
		shard string
		typ   IteratorType
		seq   string
		want  error
	}{
		{"unknown shard", ShardID(9), TrimHorizon, "", ErrNotFound},
		{"malformed shard id", "shard-x", TrimHorizon, "", ErrInvalidArgument},
		{"unknown type", r0.ShardID, "SOMEWHERE", "", ErrInvalidArgument},
		{"malformed sequence number", r0.ShardID, AtSequenceNumber, "123", ErrInvalidArgument},
		{"sequence number of another shard", otherShard, AtSequenceNumber, r0.SequenceNumber, ErrInvalidArgument},
		{"sequence number of another stream", ro.ShardID, AfterSequenceNumber, ro.SequenceNumber, ErrInvalidArgument},
		{"AT_TIMESTAMP without a timestamp", r0.ShardID, AtTimestamp, "", ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "sequence number of another stream" && ro.ShardID != r0.ShardID {
				tc.shard = r0.ShardID
			}
			if _, err := s.Iterator(tc.shard, tc.typ, tc.seq, zeroTime); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	c, _ := s.Iterator(r0.ShardID, TrimHorizon, "", zeroTime)
	for _, limit := range []int{0, -1, MaxRecordsPerRead + 1} {
		if _, err := s.Read(c, limit); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
	oc, _ := other.Iterator(ro.ShardID, TrimHorizon, "", zeroTime)
	if _, err := s.Read(oc, 10); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("cursor of another stream: %v", err)
	}
}

func TestReadLimits(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "lim", StreamConfig{Shards: 1})
	ctx := context.Background()
	es := make([]PutEntry, 500)
	for i := range es {
		es[i] = PutEntry{PartitionKey: "k", Data: []byte(fmt.Sprint(i))}
	}
	for i := 0; i < 25; i++ {
		if _, err := s.PutRecords(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := s.Iterator(ShardID(0), TrimHorizon, "", zeroTime)
	res, err := s.Read(c, MaxRecordsPerRead)
	if err != nil || len(res.Records) != MaxRecordsPerRead {
		t.Fatalf("first read: %d records, %v", len(res.Records), err)
	}
	res, _ = s.Read(res.Next, 7)
	if len(res.Records) != 7 || string(res.Records[0].Data) != "0" {
		t.Fatalf("second read: %d records starting %q", len(res.Records), res.Records[0].Data)
	}
	// 10 MiB per read: twelve records of 1 MiB come back in two reads.
	big := mustCreate(t, st, "big", StreamConfig{Shards: 1})
	for i := 0; i < 12; i++ {
		if _, err := big.PutRecord(ctx, PutEntry{PartitionKey: "k", Data: make([]byte, 1<<20-1)}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ = big.Iterator(ShardID(0), TrimHorizon, "", zeroTime)
	res, _ = big.Read(c, 100)
	if n := len(res.Records); n != 10 {
		t.Fatalf("first read of 1 MiB records returned %d", n)
	}
	if res.MillisBehindLatest < 0 {
		t.Fatalf("behind %d", res.MillisBehindLatest)
	}
	res, _ = big.Read(res.Next, 100)
	if n := len(res.Records); n != 2 {
		t.Fatalf("second read returned %d", n)
	}
}

func TestMillisBehindLatest(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "behind", StreamConfig{Shards: 1})
	mustPut(t, s, "k", "old")
	clock.Advance(5 * time.Second)
	mustPut(t, s, "k", "new")
	c, _ := s.Iterator(ShardID(0), TrimHorizon, "", zeroTime)
	res, _ := s.Read(c, 1)
	if res.MillisBehindLatest != 5000 {
		t.Fatalf("behind = %d, want 5000", res.MillisBehindLatest)
	}
	res, _ = s.Read(res.Next, 1)
	if res.MillisBehindLatest != 0 {
		t.Fatalf("at the tip behind = %d", res.MillisBehindLatest)
	}
	res, _ = s.Read(res.Next, 1)
	if len(res.Records) != 0 || res.MillisBehindLatest != 0 || res.Closed {
		t.Fatalf("past the tip: %+v", res)
	}
}

func TestWaitFollowsNewRecords(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "follow", StreamConfig{Shards: 1})
	c, _ := s.Iterator(ShardID(0), Latest, "", zeroTime)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on an idle shard: %v", err)
	}

	got := make(chan []string)
	go func() {
		var out []string
		cur := c
		for len(out) < 3 {
			res, err := s.ReadWait(context.Background(), cur, 100)
			if err != nil {
				t.Error(err)
				break
			}
			out = append(out, payloads(res.Records)...)
			cur = res.Next
		}
		got <- out
	}()
	for _, p := range []string{"a", "b", "c"} {
		mustPut(t, s, "k", p)
	}
	select {
	case out := <-got:
		if fmt.Sprint(out) != "[a b c]" {
			t.Fatalf("follower got %v", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follower never saw the records")
	}

	// Closing the store releases waiters.
	done := make(chan error)
	go func() { done <- s.Wait(context.Background(), Cursor{StreamID: c.StreamID, Shard: 0, Pos: ^uint64(0)}) }()
	st.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("wait after close: %v", err)
	}
}

// A follower reads a few records at a time; what a read allocates must
// follow what it returns, not a fixed arena per read, or every follower of a
// busy stream makes the garbage collector that every put pays for run hot.
func TestSmallReadsAllocateLittle(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "small", StreamConfig{Shards: 1})
	put := mustPut(t, s, "k", "a small record")
	c, err := s.Iterator(put.ShardID, TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	const reads = 200
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range reads {
		if res, err := s.Read(c, 10); err != nil || len(res.Records) != 1 {
			t.Fatalf("read: %v, %d records", err, len(res.Records))
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / reads; per > 32<<10 {
		t.Fatalf("a read of one %d-byte record allocates %d bytes", len("k")+len("a small record"), per)
	}
}
