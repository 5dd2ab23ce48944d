package operator

import (
	"container/list"
	"math"
	"strings"

	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// keyRec is one partition key's state: its clock (the latest event time it sent, its
// watermark), the windows and SLIDE rows waiting for that watermark, and the states of the
// stateful functions.
type keyRec struct {
	name    string
	id      uint64
	seen    bool  // it has sent a row with a time
	maxTs   int64 // the latest event time it sent
	wm      int64 // its watermark: maxTs − lateness, or raised when it went idle
	touched int64 // the processing clock at its latest row
	idle    bool
	due     dueList
	states  []function.State
	lru     *list.Element // in keyTable.lru
	act     *list.Element // in keyTable.act while not idle
}

// keyTable holds the partition keys with state, at most Limits.MaxKeys of them.
type keyTable struct {
	m   map[string]*keyRec
	lru *list.List // every key, the least recently touched first
	act *list.List // keys not idle, the least recently touched first (nil: no idle timeout)
}

func newKeyTable(idle bool) *keyTable {
	t := &keyTable{m: map[string]*keyRec{}, lru: list.New()}
	if idle {
		t.act = list.New()
	}
	return t
}

// keyBytes is what one partition key's record is counted as, besides its name and states.
const keyBytes = 160

// key finds (or makes) the record of a partition key and marks it touched now. Past
// MaxKeys the least recently touched key is evicted first.
func (r *Runner) key(name string) *keyRec {
	t := r.keys
	k, ok := t.m[name]
	if !ok {
		if len(t.m) >= r.lim.MaxKeys {
			r.evictKey(t.lru.Front().Value.(*keyRec))
		}
		k = &keyRec{name: strings.Clone(name), id: r.nextID(), wm: math.MinInt64}
		t.m[k.name] = k
		k.lru = t.lru.PushBack(k)
		r.mem += keyBytes + int64(len(name))
	} else {
		t.lru.MoveToBack(k.lru)
	}
	k.touched = r.clock
	if t.act != nil {
		if k.act == nil {
			k.act = t.act.PushBack(k)
		} else {
			t.act.MoveToBack(k.act)
		}
		k.idle = false
	}
	return k
}

// evictKey drops a key past MaxKeys: its windows stop waiting for it, as when it goes idle.
func (r *Runner) evictKey(k *keyRec) {
	r.stats.KeysEvicted++
	r.release(k, true)
	r.dropKey(k)
}

func (r *Runner) dropKey(k *keyRec) {
	t := r.keys
	delete(t.m, k.name)
	t.lru.Remove(k.lru)
	if k.act != nil {
		t.act.Remove(k.act)
	}
	k.lru, k.act = nil, nil
	r.mem -= keyBytes + int64(len(k.name)) + r.stateBytes(k)
}

// goIdle closes what waits for a key silent for the idle timeout, as if its watermark had
// passed all of it.
func (r *Runner) goIdle(k *keyRec) {
	r.keys.act.Remove(k.act)
	k.act, k.idle = nil, true
	r.stats.IdleKeys++
	r.release(k, true)
}

// advanceKey takes a row's time into its key's clock and closes what the new watermark
// passes.
func (r *Runner) advanceKey(k *keyRec, ts int64) {
	if !k.seen || ts > k.maxTs {
		k.maxTs, k.seen = ts, true
	}
	if wm := addSat(k.maxTs, -r.lateness); wm > k.wm {
		k.wm = wm
		r.release(k, false)
	}
}

// release pops what waits for k's watermark: windows whose end it passed (closed once no
// other key holds them) and SLIDE rows whose time it reached (emitted). forced pops
// everything, raising the watermark past it: the key went idle, was evicted, or the input
// ended.
func (r *Runner) release(k *keyRec, forced bool) {
	for k.due.len() > 0 {
		d := *k.due.front()
		if !forced && d.end > k.wm {
			return
		}
		k.due.pop()
		if d.sr != nil {
			k.wm = max(k.wm, d.end)
			r.slideEmit(d.sr)
			continue
		}
		w := d.w.live()
		if w == nil {
			continue
		}
		if !forced && w.end > k.wm { // a session that grew since: wait for its new end
			k.due.push(due{end: w.end, ord: d.ord, w: w})
			continue
		}
		k.wm = max(k.wm, w.end)
		if w.pending--; w.pending == 0 {
			r.closeWin(w)
		}
	}
}

// waits reports whether w already waits for k.
func (k *keyRec) waits(w *win) bool {
	for i := k.due.head; i < len(k.due.e); i++ {
		if d := k.due.e[i].w; d != nil && d.live() == w {
			return true
		}
	}
	return false
}

// hold makes w wait for k's watermark (for the clock's, on arrival time).
func (r *Runner) hold(w *win, k *keyRec) {
	if r.clockWindows {
		return // made to wait for the clock when it was opened
	}
	if w.end > k.wm && !k.waits(w) {
		k.due.push(due{end: w.end, ord: w.id, w: w})
		w.pending++
	}
}

// step runs the stateful functions of the row's key and writes their values into the row.
// A row without a time cannot be placed in its key's history: its values are NULL.
func (r *Runner) step(k *keyRec, ts int64, timed bool) {
	q := r.q
	if !timed || k == nil {
		for _, c := range q.Stateful {
			r.env.Row[c.Slot] = value.Null
		}
		return
	}
	if k.states == nil {
		k.states = make([]function.State, len(q.Stateful))
		for i, c := range q.Stateful {
			k.states[i] = c.New()
		}
		r.mem += r.stateBytes(k)
	}
	for i, c := range q.Stateful {
		args := r.args[:0]
		for _, a := range c.Args {
			args = append(args, a.Eval(&r.env))
		}
		r.env.Row[c.Slot] = k.states[i].Step(ts, args)
		r.args = args
	}
}

func (r *Runner) stateBytes(k *keyRec) int64 {
	if k.states == nil {
		return 0
	}
	n := int64(0)
	for _, c := range r.q.Stateful {
		n += int64(c.Spec.Bytes)
	}
	return n
}

// expireStates forgets a key whose stateful states are past the longest time limit: it
// has been silent (on the processing clock) for longer, so no row of it could see them
// any more — unless its event-time clock runs far behind. Only when the key holds no
// watermark: a query with windows over event time keeps its keys (at most MaxKeys).
func (r *Runner) expireStates(k *keyRec) {
	r.stats.StatesExpired++
	r.dropKey(k)
}

// due is something waiting for a watermark: a window to close when it passes end, or a
// SLIDE row to emit when it reaches end. ord (the window's or row's id when it was queued)
// orders what falls due at one time.
type due struct {
	end int64
	ord uint64
	w   *win
	sr  *slideRow
}

func (a *due) before(b *due) bool { return a.end < b.end || a.end == b.end && a.ord < b.ord }

// dueList is a key's queue of what waits for its watermark, earliest first. Times mostly
// come in order, so a push is an append and a pop moves a head.
type dueList struct {
	e    []due
	head int
}

func (d *dueList) len() int    { return len(d.e) - d.head }
func (d *dueList) front() *due { return &d.e[d.head] }

func (d *dueList) pop() {
	d.e[d.head] = due{}
	d.head++
	switch {
	case d.head == len(d.e):
		d.e, d.head = d.e[:0], 0
	case d.head >= 32 && 2*d.head >= len(d.e):
		n := copy(d.e, d.e[d.head:])
		clear(d.e[n:])
		d.e, d.head = d.e[:n], 0
	}
}

func (d *dueList) push(x due) {
	d.e = append(d.e, x)
	i := len(d.e) - 1
	for i > d.head && x.before(&d.e[i-1]) {
		d.e[i] = d.e[i-1]
		i--
	}
	d.e[i] = x
}
