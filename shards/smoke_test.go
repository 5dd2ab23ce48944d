package shards

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "s", StreamConfig{Shards: 2})
	for i := 0; i < 100; i++ {
		mustPut(t, s, keyFor(i), "x")
	}
	n := 0
	for _, sh := range s.Shards() {
		n += len(readShardFrom(t, s, sh.ShardID, TrimHorizon))
	}
	if n != 100 {
		t.Fatalf("got %d", n)
	}
	st.Close()
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("s")
	n = 0
	for _, sh := range s2.Shards() {
		n += len(readShardFrom(t, s2, sh.ShardID, TrimHorizon))
	}
	if n != 100 {
		t.Fatalf("after reopen got %d", n)
	}
}
