package shards

import (
	"errors"
	"fmt"
	"sort"
	"testing"
)

// checkCoverage fails unless the open shards cover the hash key space
// exactly once.
func checkCoverage(t *testing.T, s *Stream) {
	t.Helper()
	var open []ShardInfo
	for _, sh := range s.Shards() {
		if sh.Open() {
			open = append(open, sh)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].HashKeyRange.Start.Cmp(open[j].HashKeyRange.Start) < 0 })
	if open[0].HashKeyRange.Start != (HashKey{}) || open[len(open)-1].HashKeyRange.End != MaxHashKey {
		t.Fatalf("open shards do not reach both ends: %+v", open)
	}
	for i := 1; i < len(open); i++ {
		if open[i-1].HashKeyRange.End.inc() != open[i].HashKeyRange.Start {
			t.Fatalf("gap or overlap between %s and %s", open[i-1].ShardID, open[i].ShardID)
		}
	}
}

func shardByID(s *Stream, id string) ShardInfo {
	for _, sh := range s.Shards() {
		if sh.ShardID == id {
			return sh
		}
	}
	return ShardInfo{}
}

func TestSplitShard(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "split", StreamConfig{Shards: 1})
	before := mustPut(t, s, "k", "before")
	parent := shardByID(s, ShardID(0))
	key := parent.HashKeyRange.End.half().String()
	if err := s.SplitShard(ShardID(0), key); err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, s)
	parent = shardByID(s, ShardID(0))
	if parent.Open() || parent.EndingSequenceNumber != before.SequenceNumber {
		t.Fatalf("parent ends at %q, want %q", parent.EndingSequenceNumber, before.SequenceNumber)
	}
	for _, id := range []string{ShardID(1), ShardID(2)} {
		c := shardByID(s, id)
		if c.ParentShardID != ShardID(0) || c.AdjacentParentShardID != "" || !c.Open() {
			t.Fatalf("child %s: %+v", id, c)
		}
		if c.StartingSequenceNumber <= before.SequenceNumber[:22] {
			t.Fatalf("child starts at %s, before the parent's end", c.StartingSequenceNumber)
		}
	}
	if shardByID(s, ShardID(1)).HashKeyRange.End.inc().String() != key || shardByID(s, ShardID(2)).HashKeyRange.Start.String() != key {
		t.Fatalf("children do not split at %s", key)
	}
	// A reader of the parent gets its records, then is told the children.
	c, _ := s.Iterator(ShardID(0), TrimHorizon, "", zeroTime)
	res, err := s.Read(c, 100)
	if err != nil || len(res.Records) != 1 || !res.Closed || len(res.ChildShards) != 2 {
		t.Fatalf("read of closed parent: %+v, %v", res, err)
	}
	// Writes go to the children.
	r := mustPut(t, s, "k", "after")
	if r.ShardID == ShardID(0) {
		t.Fatal("write went to the closed parent")
	}
	// LATEST on a closed shard is at its end.
	c, _ = s.Iterator(ShardID(0), Latest, "", zeroTime)
	if res, _ := s.Read(c, 10); !res.Closed || len(res.Records) != 0 {
		t.Fatalf("LATEST on closed shard: %+v", res)
	}

	for _, tc := range []struct {
		name, shard, key string
		want             error
	}{
		{"closed shard", ShardID(0), key, ErrShardClosed},
		{"unknown shard", ShardID(42), key, ErrNotFound},
		{"key at the shard's start", ShardID(1), "0", ErrInvalidArgument},
		{"key outside the shard", ShardID(1), MaxHashKey.String(), ErrInvalidArgument},
		{"key not a number", ShardID(1), "half", ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.SplitShard(tc.shard, tc.key); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMergeShards(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "merge", StreamConfig{Shards: 3})
	for i := 0; i < 30; i++ {
		mustPut(t, s, keyFor(i), fmt.Sprint(i))
	}
	if err := s.MergeShards(ShardID(0), ShardID(2)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("non-adjacent merge: %v", err)
	}
	if err := s.MergeShards(ShardID(1), ShardID(0)); err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, s)
	child := shardByID(s, ShardID(3))
	if child.ParentShardID != ShardID(1) || child.AdjacentParentShardID != ShardID(0) {
		t.Fatalf("child %+v", child)
	}
	if child.HashKeyRange.Start != (HashKey{}) || child.HashKeyRange.End != shardByID(s, ShardID(1)).HashKeyRange.End {
		t.Fatalf("child range %+v", child.HashKeyRange)
	}
	if err := s.MergeShards(ShardID(3), ShardID(1)); !errors.Is(err, ErrShardClosed) {
		t.Fatalf("merge with closed shard: %v", err)
	}
	// Nothing is lost: all 30 records are in the closed parents and shard 2.
	n := 0
	for _, sh := range s.Shards() {
		n += len(readShardFrom(t, s, sh.ShardID, TrimHorizon))
	}
	if n != 30 {
		t.Fatalf("read %d of 30 records after merge", n)
	}
}

func TestUpdateShardCount(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "scale", StreamConfig{Shards: 4})
	for _, tc := range []struct {
		target int
		ok     bool
	}{
		{8, true}, {3, false}, {17, false}, {5, true}, {10, true}, {5, true}, {3, true}, {1, false}, {2, true}, {1, true},
	} {
		err := s.UpdateShardCount(tc.target)
		if tc.ok != (err == nil) {
			t.Fatalf("to %d: %v", tc.target, err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("to %d: %v", tc.target, err)
			}
			continue
		}
		checkCoverage(t, s)
		if got := s.Describe().OpenShards; got != tc.target {
			t.Fatalf("to %d: %d open", tc.target, got)
		}
		if got := s.Config().Shards; got != tc.target {
			t.Fatalf("config says %d shards", got)
		}
		known := map[string]bool{}
		for _, sh := range s.Shards() {
			if sh.ParentShardID != "" && !known[sh.ParentShardID] || sh.AdjacentParentShardID != "" && !known[sh.AdjacentParentShardID] {
				t.Fatalf("%s has an unknown parent", sh.ShardID)
			}
			known[sh.ShardID] = true
		}
		mustPut(t, s, keyFor(tc.target), "x")
	}
	// The shard map survives a restart.
	want := fmt.Sprint(s.Shards())
	st.Close()
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("scale")
	if got := fmt.Sprint(s2.Shards()); got != want {
		t.Fatalf("after reopen\n%s\nwant\n%s", got, want)
	}
}
