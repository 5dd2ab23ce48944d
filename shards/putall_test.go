package shards

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestPutAllSplitsWithinTheLimitsAndKeepsOrder(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s, err := st.CreateStream("all", StreamConfig{Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	var entries []PutEntry
	for i := 0; i < 1300; i++ { // more than 500 records, and more than 5 MiB
		entries = append(entries, PutEntry{PartitionKey: "k", Data: append(fmt.Appendf(nil, "%05d", i), make([]byte, 5000)...)})
	}
	if err := s.PutAll(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	n := 0
	for {
		res, err := s.Read(c, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) == 0 {
			break
		}
		for _, r := range res.Records {
			if got := string(r.Data[:5]); got != fmt.Sprintf("%05d", n) {
				t.Fatalf("record %d is %s", n, got)
			}
			n++
		}
		c = res.Next
	}
	if n != 1300 {
		t.Fatalf("%d records stored, want 1300", n)
	}
	if err := s.PutAll(context.Background(), nil); err != nil {
		t.Errorf("nothing to put: %v", err)
	}
}
