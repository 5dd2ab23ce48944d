package shards

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// putNumbered puts records "<from>".."<to-1>" over a few partition keys and
// returns, per shard, the sequence number of the last one.
func putNumbered(t *testing.T, s *Stream, from, to int, last map[string]string) {
	t.Helper()
	var entries []PutEntry
	for i := from; i < to; i++ {
		entries = append(entries, PutEntry{PartitionKey: keyFor(i % 7), Data: fmt.Appendf(nil, "%d", i)})
	}
	for len(entries) > 0 {
		n := min(len(entries), MaxRecordsPerPut)
		res, err := s.PutRecords(context.Background(), entries[:n])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			last[r.ShardID] = r.SequenceNumber
		}
		entries = entries[n:]
	}
}

// ReadToEnd returns every record once, each shard's in order and its last
// sequence number, over more than one read per shard, and reads a child
// only after its parents are read to their end.
func TestReadToEndReadsEveryShardInLineageOrder(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "all", StreamConfig{Shards: 2})
	last := map[string]string{}
	putNumbered(t, s, 0, 2*MaxRecordsPerRead+500, last) // more than one read in a shard
	if err := s.SplitShard(ShardID(0), MaxHashKey.half().half().String()); err != nil {
		t.Fatal(err)
	}
	putNumbered(t, s, 2*MaxRecordsPerRead+500, 2*MaxRecordsPerRead+1000, last)
	if err := s.MergeShards(ShardID(2), ShardID(3)); err != nil { // the split's children
		t.Fatal(err)
	}
	total := 2*MaxRecordsPerRead + 1500
	putNumbered(t, s, 2*MaxRecordsPerRead+1000, total, last)

	var (
		mu    sync.Mutex
		seen  = map[string]int{}
		calls []string // shard of each call, in call order
		prev  = map[string]string{}
	)
	totals, err := s.ReadToEnd(context.Background(), func(shardID string, recs []Record) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, shardID)
		for _, r := range recs {
			seen[string(r.Data)]++
			if seq := r.SequenceNumber(); seq <= prev[shardID] {
				return fmt.Errorf("shard %s: %s after %s", shardID, seq, prev[shardID])
			}
			prev[shardID] = r.SequenceNumber()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if totals.Records != int64(total) || len(seen) != total {
		t.Fatalf("read %d records (%d distinct), want %d", totals.Records, len(seen), total)
	}
	wantBytes := int64(0)
	for i := 0; i < total; i++ {
		wantBytes += int64(len(fmt.Sprint(i)))
		if seen[fmt.Sprint(i)] != 1 {
			t.Fatalf("record %d read %d times", i, seen[fmt.Sprint(i)])
		}
	}
	if totals.DataBytes != wantBytes {
		t.Errorf("%d data bytes, want %d", totals.DataBytes, wantBytes)
	}
	if fmt.Sprint(totals.Last) != fmt.Sprint(last) {
		t.Errorf("last sequence numbers %v, want %v", totals.Last, last)
	}
	pos := func(shard string, first bool) int {
		at := -1
		for i, c := range calls {
			if c == shard {
				if first {
					return i
				}
				at = i
			}
		}
		return at
	}
	for _, info := range s.Shards() {
		for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
			if p != "" && pos(info.ShardID, true) >= 0 && pos(info.ShardID, true) < pos(p, false) {
				t.Errorf("shard %s read before its parent %s was done: calls %v", info.ShardID, p, calls)
			}
		}
	}
}

func TestReadToEndReturnsErrors(t *testing.T) {
	errStop := errors.New("stop here")
	tests := []struct {
		name    string
		prepare func(st *Store, s *Stream) context.Context
		fn      func(string, []Record) error
		want    error
		naming  string
	}{
		{
			name:    "callback error",
			prepare: func(*Store, *Stream) context.Context { return context.Background() },
			fn:      func(string, []Record) error { return errStop },
			want:    errStop, naming: "shardId-00000000000",
		},
		{
			name: "stream deleted",
			prepare: func(st *Store, s *Stream) context.Context {
				if err := st.DeleteStream("e"); err != nil {
					t.Fatal(err)
				}
				return context.Background()
			},
			want: ErrClosed, naming: `stream "e"`,
		},
		{
			name: "context canceled",
			prepare: func(*Store, *Stream) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			want: context.Canceled,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openTestStore(t, Options{})
			s := mustCreate(t, st, "e", StreamConfig{Shards: 2})
			putNumbered(t, s, 0, 100, map[string]string{})
			_, err := s.ReadToEnd(tc.prepare(st, s), tc.fn)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(fmt.Sprint(err), tc.naming) {
				t.Errorf("err %q does not name %q", err, tc.naming)
			}
		})
	}
}

func TestReadToEndOfAnEmptyStream(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "empty", StreamConfig{Shards: 3})
	totals, err := s.ReadToEnd(context.Background(), nil)
	if err != nil || totals.Records != 0 || len(totals.Last) != 0 {
		t.Fatalf("got %+v, %v; want nothing and no error", totals, err)
	}
}
