package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Latencies collects duration samples from many goroutines and answers
// percentile queries over them. The zero value is ready to use; it must not
// be copied after first use.
//
// Add takes a mutex per sample, which costs little next to the I/O being
// timed. Goroutines in a tight loop should gather samples in a local slice
// and hand them over once with Merge, so the lock is taken once per
// goroutine rather than once per sample. A mutex rather than atomics keeps
// the type free of 64-bit alignment rules on 32-bit ARM.
type Latencies struct {
	mu      sync.Mutex
	samples []time.Duration
	sorted  bool
}

// Add records one sample.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.samples = append(l.samples, d)
	l.sorted = false
	l.mu.Unlock()
}

// Merge records a batch of samples under a single lock. It copies other, so
// the caller may reuse it.
func (l *Latencies) Merge(other []time.Duration) {
	if len(other) == 0 {
		return
	}
	l.mu.Lock()
	l.samples = append(l.samples, other...)
	l.sorted = false
	l.mu.Unlock()
}

// Len reports how many samples have been recorded, so a reader can tell a
// percentile over three samples from one over a million.
func (l *Latencies) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.samples)
}

// Percentile returns the nearest-rank p-th percentile: the smallest sample
// that at least p percent of samples do not exceed. Nearest-rank always
// returns a value that was actually observed, never an interpolation. p is
// clamped to [0, 100]; p = 0 yields the minimum, p = 100 the maximum. It
// returns 0 when there are no samples.
func (l *Latencies) Percentile(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.samples)
	if n == 0 {
		return 0
	}
	if !l.sorted {
		slices.Sort(l.samples)
		l.sorted = true
	}
	return l.samples[nearestRank(p, n)-1]
}

// nearestRank is ceil(p/100 * n) limited to [1, n]. Multiplying before
// dividing keeps integral p exact, so p = 99 of 200 samples is rank 198.
func nearestRank(p float64, n int) int {
	p = min(max(p, 0), 100)
	rank := int(math.Ceil(p * float64(n) / 100))
	return min(max(rank, 1), n)
}
