package shards

import (
	"errors"
	"testing"
)

func TestConsumersAndCheckpoints(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "cons", StreamConfig{Shards: 1})
	var puts []PutResult
	for i := 0; i < 5; i++ {
		puts = append(puts, mustPut(t, s, "k", string(rune('a'+i))))
	}
	if _, err := s.RegisterConsumer("bad/name"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("bad name: %v", err)
	}
	if _, err := s.RegisterConsumer("uplink"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterConsumer("uplink"); !errors.Is(err, ErrExists) {
		t.Fatalf("second register: %v", err)
	}
	if err := s.Checkpoint("nobody", ShardID(0), puts[1].SequenceNumber); !errors.Is(err, ErrNotFound) {
		t.Fatalf("checkpoint of unknown consumer: %v", err)
	}
	if err := s.Checkpoint("uplink", ShardID(0), "42"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("checkpoint with a bad sequence number: %v", err)
	}
	// Without a checkpoint, Resume starts where told.
	c, err := s.Resume("uplink", ShardID(0), TrimHorizon)
	if err != nil {
		t.Fatal(err)
	}
	if recs, _ := readAll(t, s, c); len(recs) != 5 {
		t.Fatalf("resume without checkpoint read %d", len(recs))
	}
	if err := s.Checkpoint("uplink", ShardID(0), puts[2].SequenceNumber); err != nil {
		t.Fatal(err)
	}

	// Checkpoints are durable.
	st.Close()
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("cons")
	cps, err := s2.Checkpoints("uplink")
	if err != nil || cps[ShardID(0)] != puts[2].SequenceNumber {
		t.Fatalf("checkpoints after reopen: %v, %v", cps, err)
	}
	c, _ = s2.Resume("uplink", ShardID(0), TrimHorizon)
	recs, _ := readAll(t, s2, c)
	if got := payloads(recs); len(got) != 2 || got[0] != "d" || got[1] != "e" {
		t.Fatalf("resumed at %v", got)
	}
	list, _ := s2.Consumers()
	if len(list) != 1 || list[0].Name != "uplink" {
		t.Fatalf("consumers: %+v", list)
	}
	if err := s2.DeregisterConsumer("uplink"); err != nil {
		t.Fatal(err)
	}
	if err := s2.DeregisterConsumer("uplink"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second deregister: %v", err)
	}
	if _, err := s2.Checkpoints("uplink"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("checkpoints of a deregistered consumer: %v", err)
	}
	// A consumer registered again starts fresh.
	s2.RegisterConsumer("uplink")
	if cps, _ := s2.Checkpoints("uplink"); len(cps) != 0 {
		t.Fatalf("old checkpoints came back: %v", cps)
	}
}
