package shards

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestBacklogCountsWhatIsLeftToRead(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s, err := st.CreateStream("b", StreamConfig{Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	var want int64
	for i := 0; i < n; i += 500 {
		var batch []PutEntry
		for j := i; j < i+500; j++ {
			e := PutEntry{PartitionKey: fmt.Sprintf("k%d", j%7), Data: make([]byte, 100+j%50)}
			want += int64(len(e.PartitionKey) + len(e.Data))
			batch = append(batch, e)
		}
		if _, err := s.PutRecords(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	changed := s.Changed()
	recs, bytes, oldest, err := s.Backlog(c)
	if err != nil {
		t.Fatal(err)
	}
	if recs != n {
		t.Errorf("backlog from the trim horizon: %d records, want %d", recs, n)
	}
	if d := bytes - want; d < -want/50 || d > want/50 {
		t.Errorf("backlog bytes %d, want %d ± 2%%", bytes, want)
	}
	res, err := s.Read(c, 1234)
	if err != nil {
		t.Fatal(err)
	}
	if !oldest.Equal(res.Records[0].ArrivalTime) {
		t.Errorf("oldest %v, want the first record's arrival %v", oldest, res.Records[0].ArrivalTime)
	}
	if recs, _, _, _ = s.Backlog(res.Next); recs != n-1234 {
		t.Errorf("after reading 1234: backlog %d, want %d", recs, n-1234)
	}
	end, _ := s.Iterator(ShardID(0), Latest, "", time.Time{})
	if recs, bytes, oldest, _ = s.Backlog(end); recs != 0 || bytes != 0 || !oldest.IsZero() {
		t.Errorf("at the tip: backlog %d records %d bytes, want none", recs, bytes)
	}
	select {
	case <-changed:
		t.Fatal("Changed fired without a change")
	default:
	}
	if _, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: "x", Data: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Changed did not fire after a put")
	}
}
