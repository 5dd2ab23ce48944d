package shards

import "sync"

// arrivalClock gives records their arrival times, in Unix ms: the wall
// clock's reading, but never less than the newest arrival time already
// given in the store, so that no record looks older than one stored
// before it, in any shard of any stream. Positions lead with it.
//
// When the wall clock stands behind it (stepped back, or a board that
// booted in 1970 after storing records in 2026):
//   - synchronized: it waits for the wall clock to catch up, giving the
//     newest time again (positions then advance by their counter only);
//   - not synchronized: it runs on the monotonic clock from the newest
//     time, so that records keep arriving a second apart a second apart;
//     NTP's step later brings the wall clock past it, and the records'
//     times are corrected (visibility.go).
type arrivalClock struct {
	mu   sync.Mutex
	ms   int64  // the newest arrival time given
	mono int64  // the monotonic time it was the newest at
	boot string // in this boot
}

// value is the arrival clock at now, before the wall clock is consulted.
// The caller holds mu.
func (a *arrivalClock) value(now stamp) int64 {
	if !now.Synced && now.Boot == a.boot && now.Mono > a.mono {
		return a.ms + now.Mono - a.mono
	}
	return a.ms
}

// at returns the arrival time of a put sequenced at now.
func (a *arrivalClock) at(now stamp) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return max(now.Wall, a.value(now))
}

// note records that ms was given at now.
func (a *arrivalClock) note(ms int64, now stamp) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ms, a.mono, a.boot = max(a.value(now), ms), now.Mono, now.Boot
}
