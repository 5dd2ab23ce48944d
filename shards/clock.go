package shards

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Monotonic is a clock that counts the time the board has been running,
// suspend included, and that nobody steps: CLOCK_BOOTTIME on Linux. A Pi
// has no real-time clock: it boots in 1970 or at the time fake-hwclock
// saved, and jumps when NTP syncs, days later perhaps. Retention counts
// age on this clock, so that a jump neither deletes data early nor keeps
// it forever.
type Monotonic interface {
	// Now returns the id of the current boot and the time elapsed since
	// that boot began. The id changes at every boot and only then.
	Now() (boot string, sinceBoot time.Duration)
}

// stepThreshold is how far the wall clock must move against the monotonic
// clock between two looks to count as stepped. NTP slews a clock by at
// most 0.5 ms a second, so in the hour a segment spans at most, slewing
// stays under 2 s; a step (NTP's first sync, fake-hwclock, an operator's
// date -s) is set at once.
const stepThreshold = 5 * time.Second

// A stamp is a moment as both clocks saw it. A segment keeps the stamps of
// its first and its last commit, a closed shard the stamp of its closing:
// that is what lets a restart, even after a reboot, tell how long ago they
// were without trusting the wall clock.
type stamp struct {
	Boot   string `json:"boot"`
	Mono   int64  `json:"mono_ms"` // since that boot began
	Wall   int64  `json:"wall_ms"` // Unix ms by the wall clock
	Synced bool   `json:"synced"`  // the wall clock was synchronized (NTP)
	// Estimated: made when a store of an earlier version was first opened,
	// for data written before stamps existed (see estimateStamp).
	Estimated bool `json:"estimated,omitempty"`
}

// offset is the wall clock's reading against the monotonic clock; a step
// changes it, time passing does not.
func (s stamp) offset() int64 { return s.Wall - s.Mono }

// clock gives the engine its three readings (wall, monotonic, synchronized)
// and turns stamps into lived time: milliseconds the store has lived
// through, counted on the monotonic clock across restarts and reboots
// (ledger.go). Ages are differences of lived times.
type clock struct {
	wall   func() time.Time
	mono   Monotonic
	synced func() bool
	log    *slog.Logger

	// view is the published ledger: every reader of lived time (reads,
	// retention) takes it without a lock.
	view atomic.Pointer[ledgerView]

	// mu guards what follows: the ledger and step detection, changed by
	// open, the watcher's tick and close.
	mu         sync.Mutex
	led        ledger
	lastOffset int64     // the wall clock's offset at the last look
	savedAt    time.Time // when the ledger was last written (process time)

	steps    atomic.Int64
	lastStep atomic.Int64 // ms, signed: the last step's size
}

func newClock(opts Options) *clock {
	c := &clock{wall: opts.Clock, mono: opts.Monotonic, synced: opts.Synced, log: opts.Logger}
	if c.wall == nil {
		c.wall = time.Now
	}
	if c.mono == nil {
		if opts.Clock != nil {
			// A test that sets only the wall clock means it to be the
			// only clock: age follows it, as it did before stamps.
			c.mono = wallMonotonic{opts.Clock}
		} else {
			c.mono = systemMonotonic()
		}
	}
	if c.synced == nil {
		if opts.Clock != nil {
			c.synced = func() bool { return true }
		} else {
			c.synced = systemSynced
		}
	}
	return c
}

// now reads the three clocks.
func (c *clock) now() stamp {
	boot, since := c.mono.Now()
	return stamp{Boot: boot, Mono: since.Milliseconds(), Wall: c.wall().UnixMilli(), Synced: c.synced()}
}

// lived is the store's lived time at a stamp.
func (c *clock) lived(s stamp) int64 { return c.view.Load().offsetOf(s.Boot) + s.Mono }

// livedNow is the store's lived time now.
func (c *clock) livedNow() int64 {
	boot, since := c.mono.Now()
	return c.view.Load().offsetOf(boot) + since.Milliseconds()
}

// age is how long ago, in lived milliseconds, a stamp was taken.
func (c *clock) age(s stamp) int64 { return c.livedNow() - c.lived(s) }

// syncOffset returns the wall clock's offset once synchronized in a boot:
// what corrects the arrival times of the records that boot stored before.
func (c *clock) syncOffset(boot string) (int64, bool) {
	v := c.view.Load()
	o, ok := v.sync[boot]
	return o, ok
}

// wallMonotonic is the monotonic clock of a store given only a wall clock:
// one boot, whose elapsed time is the wall clock's reading.
type wallMonotonic struct{ wall func() time.Time }

func (w wallMonotonic) Now() (string, time.Duration) {
	return "wall-clock", time.Duration(w.wall().UnixNano())
}

// ClockStatus is what the store knows of its clocks, for metrics and the
// status page.
type ClockStatus struct {
	// Synced: the kernel says the wall clock is synchronized (NTP).
	Synced bool
	// Steps counts the wall-clock steps seen since the store opened
	// (a step while the gateway was stopped counts when it starts).
	Steps int64
	// LastStep is the size of the last one: positive forward.
	LastStep time.Duration
	// Boot is the current boot's id.
	Boot string
}

// ClockStatus reports the clocks as the store sees them.
func (st *Store) ClockStatus() ClockStatus {
	now := st.clock.now()
	return ClockStatus{Synced: now.Synced, Steps: st.clock.steps.Load(),
		LastStep: time.Duration(st.clock.lastStep.Load()) * time.Millisecond, Boot: now.Boot}
}

// processMonotonic is the monotonic clock where the kernel's boot clock
// cannot be read: the runtime's, from the process's start, each start a
// boot of its own.
type processMonotonic struct {
	boot  string
	start time.Time
}

func newProcessMonotonic() processMonotonic {
	var r [16]byte
	rand.Read(r[:])
	return processMonotonic{boot: "process-" + hex.EncodeToString(r[:]), start: time.Now()}
}

func (m processMonotonic) Now() (string, time.Duration) { return m.boot, time.Since(m.start) }
