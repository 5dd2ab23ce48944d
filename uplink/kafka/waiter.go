package kafka

import "sync"

// waiter collects the promises of one Send. franz-go calls promises from
// its own goroutine, possibly after Send gave up and returned.
type waiter struct {
	mu   sync.Mutex
	errs []error
	left int
	done chan struct{}
	// ids are the records' ids, set when Send abandons the waiter.
	ids []string
}

func newWaiter(n int) *waiter {
	return &waiter{errs: make([]error, n), left: n, done: make(chan struct{})}
}

func (w *waiter) finish(i int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs[i] = err
	w.left--
	if w.left == 0 {
		close(w.done)
	}
}

func (w *waiter) pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.left
}
