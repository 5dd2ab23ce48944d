package shards

import (
	"testing"
	"time"
)

// Regressions for engine bugs the crash test found (fixed since in
// read.go), as minimal tests.

// TestCrashEmptyNewestSegment: a kill after a commit rolled to a new
// segment file but before that commit was written leaves an empty newest
// segment, whose lastMs is 0. That broke the binary search over segment
// lastMs in readSegments: reads skipped the segments before it, so stored,
// acknowledged records were not returned, and Read moved the cursor past
// them.
func TestCrashEmptyNewestSegment(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "s", StreamConfig{Shards: 1})
	for i := 0; i < 10; i++ {
		mustPut(t, s, keyFor(i), "x")
	}
	st.Close()
	// What the kill leaves: createSegment and syncDir done, no commit yet.
	ids, err := listSegments(s.dir)
	if err != nil || len(ids) != 1 {
		t.Fatalf("segments %v, %v", ids, err)
	}
	g, err := createSegment(s.dir, ids[0]+1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	g.close()

	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("s")
	if got := readShardFrom(t, s2, ShardID(0), TrimHorizon); len(got) != 10 {
		t.Fatalf("after reopening with an empty newest segment, TRIM_HORIZON reads %d of the 10 stored records", len(got))
	}
}

// TestCrashRollWindowRead: the same lost read without a crash. While a
// commit that rolled to a new segment is in flight (between activeSegment
// appending the new segment and the commit storing its lastMs), a Read of
// the previous segment returned nothing and moved the cursor past the
// records it skipped. The test freezes the writer in that window by running
// activeSegment alone on the writer goroutine.
func TestCrashRollWindowRead(t *testing.T) {
	clk := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clk.Now})
	s := mustCreate(t, st, "s", StreamConfig{Shards: 1, Retention: time.Hour}) // segment span 7.5 min
	for i := 0; i < 10; i++ {
		mustPut(t, s, keyFor(i), "x")
	}
	c, err := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute) // past the span: the next commit rolls
	if err := s.do(func() error { _, err := s.activeSegment(st.clock.now(), false); return err }); err != nil {
		t.Fatal(err)
	}
	res, err := s.Read(c, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 10 {
		t.Fatalf("during a segment roll, Read returns %d of 10 records and moves the cursor from %d to %d", len(res.Records), c.Pos, res.Next.Pos)
	}
}

// TestCrashEmptyClosedShard: a shard closed by a split or merge before it
// got any record never read as closed: from TRIM_HORIZON, Read returned no
// records, Closed false and no child shards, again and again, so a reader
// that finishes parents before children (as the KCL does) never got to the
// children.
func TestCrashEmptyClosedShard(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "s", StreamConfig{Shards: 1})
	if err := s.SplitShard(ShardID(0), MaxHashKey.half().inc().String()); err != nil {
		t.Fatal(err)
	}
	c, err := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res, err := s.Read(c, 100)
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed {
			if len(res.ChildShards) != 2 {
				t.Fatalf("closed with %d child shards, want 2", len(res.ChildShards))
			}
			return
		}
		c = res.Next
	}
	t.Fatalf("3 reads of an empty closed shard from TRIM_HORIZON: no records, never Closed, no child shards (cursor stays at %d)", c.Pos)
}
