package operator

import (
	"math"
	"time"
)

// event is what the processing clock can make fall due; at one time they fire in this
// order (windows close before a tick, so that a tick at a window's end gives no early
// result just before the final one).
type event uint8

const (
	noEvent    event = iota
	clockClose       // a window on arrival time ends
	keyIdle          // a partition key has been silent for the idle timeout
	joinIdle         // a join key has been silent for the idle timeout
	tick             // EMIT EVERY
	stateAge         // a key's stateful states are past their longest limit
)

// advance moves the processing clock to t (it never goes back), firing in time order what
// falls due by then. Everything the clock does depends only on the times it is moved to,
// and each push moves it to its record's arrival first: so a replay without the Advance
// calls of the first run fires the same things, in the same order, at the next push.
func (r *Runner) advance(t int64) {
	if !r.started {
		r.started = true
		r.setClock(t)
		if e := int64(r.q.Emit.Every); e > 0 {
			r.nextTick = nextMultiple(t, e)
		}
		return
	}
	if t <= r.clock {
		return
	}
	for {
		at, what := r.nextEvent()
		if what == noEvent || at > t {
			break
		}
		r.setClock(max(r.clock, at))
		r.fire(what, at, t)
	}
	r.setClock(t)
}

func (r *Runner) setClock(t int64) {
	r.clock = t
	r.env.Now, r.renv.Now, r.genv.Now = t, t, t
}

// nextMultiple is the first multiple of e after t.
func nextMultiple(t, e int64) int64 {
	m := t / e * e
	if m <= t {
		m = addSat(m, e)
	}
	return m
}

// NextEvent is when the processing clock next makes something fall due — a partition or
// join key going idle, an EMIT EVERY tick, a window on arrival time closing, stateful
// states expiring — so that a runtime with no record to push knows when to Advance; ok is
// false when nothing waits for the clock.
func (r *Runner) NextEvent() (at time.Time, ok bool) {
	if !r.started {
		return time.Time{}, false
	}
	t, what := r.nextEvent()
	if what == noEvent {
		return time.Time{}, false
	}
	return time.Unix(0, t), true
}

// nextEvent is the earliest thing the clock makes fall due.
func (r *Runner) nextEvent() (int64, event) {
	at, what := int64(math.MaxInt64), noEvent
	consider := func(t int64, e event) {
		if t < at {
			at, what = t, e
		}
	}
	if r.clockKey != nil && r.clockKey.due.len() > 0 {
		consider(r.clockKey.due.front().end, clockClose)
	}
	if r.keys != nil && r.keys.act != nil && r.keys.act.Len() > 0 {
		consider(addSat(r.keys.act.Front().Value.(*keyRec).touched, r.idle), keyIdle)
	}
	for _, st := range r.stages {
		if r.idle > 0 && st.stream != nil && st.stream.idle.Len() > 0 {
			consider(addSat(st.stream.idle.Front().Value.(*joinKey).touched, r.idle), joinIdle)
		}
	}
	if r.nextTick != 0 {
		consider(r.nextTick, tick)
	}
	if r.keys != nil && r.stateLimit > 0 && !r.eventWindows && r.keys.lru.Len() > 0 {
		consider(addSat(r.keys.lru.Front().Value.(*keyRec).touched, addSat(r.stateLimit, 1)), stateAge)
	}
	return at, what
}

// fire does what fell due at at, the clock going to t.
func (r *Runner) fire(what event, at, t int64) {
	switch what {
	case clockClose:
		r.clockKey.wm = at
		r.release(r.clockKey, false)
	case keyIdle:
		r.goIdle(r.keys.act.Front().Value.(*keyRec))
	case joinIdle:
		for _, st := range r.stages {
			if j := st.stream; j != nil && j.idle.Len() > 0 && addSat(j.idle.Front().Value.(*joinKey).touched, r.idle) == at {
				r.joinKeyIdle(st, j.idle.Front().Value.(*joinKey))
				return
			}
		}
	case tick:
		r.tick()
		// Only rows make windows change, and none comes before the clock reaches t: the
		// ticks up to t would write nothing.
		r.nextTick = nextMultiple(t, int64(r.q.Emit.Every))
	case stateAge:
		r.expireStates(r.keys.lru.Front().Value.(*keyRec))
	}
}
