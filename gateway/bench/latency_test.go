package bench

import (
	"sync"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	// 1ms..100ms shuffled, so nearest rank k is k milliseconds.
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration((i*37)%100+1) * time.Millisecond
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p0", []time.Duration{7}, 0, 7},
		{"single p50", []time.Duration{7}, 50, 7},
		{"single p100", []time.Duration{7}, 100, 7},
		{"p0 is minimum", hundred, 0, 1 * time.Millisecond},
		{"p50", hundred, 50, 50 * time.Millisecond},
		{"p99", hundred, 99, 99 * time.Millisecond},
		{"p99.5 rounds up", hundred, 99.5, 100 * time.Millisecond},
		{"p100 is maximum", hundred, 100, 100 * time.Millisecond},
		{"p below 0 clamps", hundred, -5, 1 * time.Millisecond},
		{"p above 100 clamps", hundred, 150, 100 * time.Millisecond},
		{"p50 of four is second", []time.Duration{40, 10, 30, 20}, 50, 20},
		{"p51 of four is third", []time.Duration{40, 10, 30, 20}, 51, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l Latencies
			l.Merge(tc.samples)
			if got := l.Percentile(tc.p); got != tc.want {
				t.Errorf("Percentile(%v) = %v, want %v", tc.p, got, tc.want)
			}
			if l.Len() != len(tc.samples) {
				t.Errorf("Len() = %d, want %d", l.Len(), len(tc.samples))
			}
		})
	}
}

func TestAddAfterPercentileResorts(t *testing.T) {
	var l Latencies
	l.Add(5)
	l.Add(3)
	if got := l.Percentile(100); got != 5 {
		t.Fatalf("max = %v, want 5", got)
	}
	l.Add(1)
	if got := l.Percentile(0); got != 1 {
		t.Errorf("min after Add = %v, want 1", got)
	}
}

func TestConcurrentAddAndMerge(t *testing.T) {
	const goroutines, perGoroutine = 8, 1000
	var l Latencies
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			local := make([]time.Duration, 0, perGoroutine)
			for i := range perGoroutine {
				d := time.Duration(g*perGoroutine + i + 1)
				if i%2 == 0 {
					l.Add(d)
				} else {
					local = append(local, d)
				}
			}
			l.Merge(local)
		})
	}
	wg.Wait()

	const n = goroutines * perGoroutine
	if l.Len() != n {
		t.Fatalf("Len() = %d, want %d", l.Len(), n)
	}
	// Samples are exactly 1..n, so each nearest rank equals its value.
	for _, p := range []float64{0, 50, 99, 100} {
		want := time.Duration(nearestRank(p, n))
		if got := l.Percentile(p); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
}
