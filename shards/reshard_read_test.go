package shards

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A reader following a stream's shards while they are split and merged
// under a steady load sees every record once: a read that meets a shard's
// closing must not claim its end while skipping the records committed just
// before it (a tip loaded before the end marker).
func TestFollowingReaderMissesNothingAcrossReshards(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s, err := st.CreateStream("r", StreamConfig{Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	var put atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // writer
		defer wg.Done()
		for n := 0; ; n += 50 {
			select {
			case <-stop:
				return
			default:
			}
			batch := make([]PutEntry, 50)
			for i := range batch {
				batch[i] = PutEntry{PartitionKey: fmt.Sprintf("k%d", (n+i)%20), Data: fmt.Appendf(nil, "%d", n+i)}
			}
			if _, err := s.PutRecords(context.Background(), batch); err != nil {
				t.Error(err)
				return
			}
			put.Add(50)
		}
	}()
	go func() { // resharder
		defer wg.Done()
		for i := 0; i < 12; i++ {
			time.Sleep(15 * time.Millisecond)
			target := 4
			if i%2 == 1 {
				target = 2
			}
			if err := s.UpdateShardCount(target); err != nil {
				t.Error(err)
			}
		}
		close(stop)
	}()

	seen := map[string]int{}
	cursors := map[string]Cursor{}
	done := map[string]bool{}
	parentsDone := func(i ShardInfo) bool {
		return (i.ParentShardID == "" || done[i.ParentShardID]) && (i.AdjacentParentShardID == "" || done[i.AdjacentParentShardID])
	}
	writerDone := make(chan struct{})
	go func() { wg.Wait(); close(writerDone) }()
	for idle := 0; idle < 3; {
		finished := false
		select {
		case <-writerDone:
			finished = true
		default:
		}
		got := 0
		for _, info := range s.Shards() {
			if done[info.ShardID] || !parentsDone(info) {
				continue
			}
			c, ok := cursors[info.ShardID]
			if !ok {
				if c, err = s.Iterator(info.ShardID, TrimHorizon, "", time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.Read(c, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				seen[string(r.Data)]++
			}
			got += len(res.Records)
			cursors[info.ShardID] = res.Next
			if res.Closed && len(res.Records) == 0 {
				done[info.ShardID] = true
				got++ // children may now be read
			}
		}
		if finished && got == 0 {
			idle++
		}
	}
	if t.Failed() {
		return
	}
	n := int(put.Load())
	for i := 0; i < n; i++ {
		if c := seen[fmt.Sprint(i)]; c != 1 {
			t.Fatalf("record %d read %d times (%d put, %d distinct read)", i, c, n, len(seen))
		}
	}
}
