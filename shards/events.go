package shards

import (
	"sync"
	"time"
)

// EventKind names what an Event reports.
type EventKind string

const (
	// EventClockStep: the wall clock moved against the monotonic clock by
	// more than 5 s at once (NTP's first sync, fake-hwclock, date -s),
	// while the store was open or, WhileStopped, while it was closed.
	// Nothing is deleted, hidden or reordered for it.
	EventClockStep EventKind = "clock_step"
	// EventUndeliveredDeleted: a bound — the stream's byte limit with
	// overwrite_oldest, or the disk reserve (Options.SpaceLow) — deleted
	// records that a consumer the stream keeps records for
	// (StreamConfig.KeepFor) had not checkpointed.
	EventUndeliveredDeleted EventKind = "undelivered_deleted"
)

// Event is something the engine did or saw on its own that an operator
// must hear of. Options.OnEvent receives them.
type Event struct {
	Kind EventKind
	Time time.Time // by the wall clock

	// A clock step: its size (positive forward), whether the wall clock
	// is synchronized now, and whether it happened while the store was
	// closed.
	Step         time.Duration
	Synced       bool
	WhileStopped bool

	// Undelivered records deleted: the stream, the consumer that had not
	// read them, how many, and the bound that forced it ("max_bytes" or
	// "disk_reserve").
	Stream   string
	Consumer string
	Records  int64
	Reason   string
	// CountIncomplete: a deleted segment could not be read to count its
	// records; Records is a lower bound.
	CountIncomplete bool
}

// Reasons an EventUndeliveredDeleted gives.
const (
	ReasonMaxBytes    = "max_bytes"
	ReasonDiskReserve = "disk_reserve"
)

// maxQueuedEvents bounds the events waiting for a slow OnEvent; more are
// counted and logged as dropped, never waited for: the engine's writers
// raise them.
const maxQueuedEvents = 1024

// eventQueue hands events from the engine (writers, the clock watcher) to
// Options.OnEvent, on one goroutine, in order.
type eventQueue struct {
	mu      sync.Mutex
	q       []Event
	dropped int64
	ready   chan struct{} // a token when q is not empty
}

func newEventQueue() *eventQueue { return &eventQueue{ready: make(chan struct{}, 1)} }

func (e *eventQueue) push(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	e.mu.Lock()
	for _, ev := range evs {
		if len(e.q) >= maxQueuedEvents {
			e.dropped++
			continue
		}
		e.q = append(e.q, ev)
	}
	e.mu.Unlock()
	select {
	case e.ready <- struct{}{}:
	default:
	}
}

func (e *eventQueue) take() ([]Event, int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, d := e.q, e.dropped
	e.q, e.dropped = nil, 0
	return q, d
}

// deliverEvents runs on its own goroutine until stop closes, handing each
// event to fn.
func (st *Store) deliverEvents(fn func(Event), stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			if q, d := st.events.take(); len(q) > 0 || d > 0 {
				st.log.Warn("events not handed on at close", "events", len(q), "dropped", d)
			}
			return
		case <-st.events.ready:
		}
		q, dropped := st.events.take()
		if dropped > 0 {
			st.log.Error("events dropped: their handler is too slow", "dropped", dropped)
		}
		for _, ev := range q {
			if fn != nil {
				fn(ev)
			}
		}
	}
}
