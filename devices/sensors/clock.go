package sensors

import "time"

// Clock is the time source of the poller and the edge counters; tests
// inject one that runs faster than real time.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Backoff returns how long to wait before the next attempt after the given
// number of consecutive failures (1, 2, …).
type Backoff func(failures int) time.Duration

// DefaultBackoff waits 1 s after the first failure and doubles up to 1 min. A
// function, not a variable, so that no caller can change it for the others.
func DefaultBackoff(failures int) time.Duration {
	return ExponentialBackoff(time.Second, time.Minute)(failures)
}

// ExponentialBackoff waits first, then doubles per failure up to max.
func ExponentialBackoff(first, max time.Duration) Backoff {
	return func(failures int) time.Duration {
		d := first
		for i := 1; i < failures && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}
