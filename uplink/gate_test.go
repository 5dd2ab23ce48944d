package uplink

import (
	"context"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

func TestGateAdmitsTheHighestPriorityFirst(t *testing.T) {
	g := newGate(1)
	ctx := context.Background()
	if err := g.acquire(ctx, 0); err != nil { // the slot is taken
		t.Fatal(err)
	}
	order := make(chan int, 3)
	for _, prio := range []int{1, 5, 3} {
		go func() {
			if err := g.acquire(ctx, prio); err == nil {
				order <- prio
				g.release()
			}
		}()
		time.Sleep(20 * time.Millisecond) // queue them in this order
	}
	// A waiter that gives up leaves the queue without taking a slot.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.acquire(cctx, 9) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled acquire succeeded")
	}
	g.release()
	for _, want := range []int{5, 3, 1} {
		if got := <-order; got != want {
			t.Fatalf("admitted priority %d, want %d", got, want)
		}
	}
}

func TestBandwidthCapSpacesSends(t *testing.T) {
	sink := &memSink{}
	f := newFixture(t, sink)
	s := f.stream("src", 1)
	var entries []shards.PutEntry
	for i := 0; i < 30; i++ {
		entries = append(entries, shards.PutEntry{PartitionKey: "k", Data: make([]byte, 10<<10)})
	}
	if _, err := s.PutRecords(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	sp := spec("d", "src")
	sp.Bandwidth = 100 << 10 // 300 KiB at 100 KiB/s: the burst, then about 2 s
	start := time.Now()
	if err := f.m.Create(context.Background(), sp); err != nil {
		t.Fatal(err)
	}
	eventually(t, "30 records", func() bool { return len(sink.records()) == 30 })
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("300 KiB capped at 100 KiB/s took %s", took)
	}
}
