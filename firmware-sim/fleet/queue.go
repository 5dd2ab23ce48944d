package fleet

import (
	"sync"

	"github.com/tidegate/tidegate/firmware-sim/signal"
)

// reading is one sample waiting to be published; seq counts from 1 per node.
type reading struct {
	seq    uint64
	sample signal.Sample
}

// queue is a bounded FIFO of readings. When full it drops the oldest reading: a sensor node
// would rather lose a stale reading than the latest one.
type queue struct {
	mu     sync.Mutex
	buf    []reading
	head   int
	n      int
	notify chan struct{} // signalled on push
}

func newQueue(size int) *queue {
	return &queue{buf: make([]reading, max(size, 1)), notify: make(chan struct{}, 1)}
}

// push appends r and reports whether the oldest reading was dropped to make room.
func (q *queue) push(r reading) (dropped bool) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		dropped = true
	}
	q.buf[(q.head+q.n)%len(q.buf)] = r
	q.n++
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return dropped
}

func (q *queue) peek() (reading, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return reading{}, false
	}
	return q.buf[q.head], true
}

// remove takes the head off if it is still the reading with seq; it may have been dropped
// while it was in flight.
func (q *queue) remove(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n > 0 && q.buf[q.head].seq == seq {
		q.buf[q.head] = reading{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
	}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
