package fragments

import "sync"

// Subscription delivers each new fragment of a camera as soon as it is
// durable. It never holds the recorder back: a subscriber whose buffer is
// full is dropped (its channel closed, Err returning ErrLagged) and may
// catch up from the store with Follow.
type Subscription struct {
	c  *camera
	ch chan Fragment

	mu  sync.Mutex
	err error
}

// Subscribe returns a subscription to a camera that has a recording or a
// configuration, with room for buffer fragments (at least 1).
func (s *Store) Subscribe(camera string, buffer int) (*Subscription, error) {
	c, err := s.camera(camera, false)
	if err != nil {
		return nil, err
	}
	sub := &Subscription{c: c, ch: make(chan Fragment, max(1, buffer))}
	c.mu.Lock()
	c.subs[sub] = struct{}{}
	c.mu.Unlock()
	return sub, nil
}

// C delivers the fragments; it is closed when the subscription ends.
func (sub *Subscription) C() <-chan Fragment { return sub.ch }

// Err says why the channel was closed: ErrLagged, ErrClosed, or nil after
// Close.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

// Close ends the subscription.
func (sub *Subscription) Close() {
	sub.c.mu.Lock()
	defer sub.c.mu.Unlock()
	sub.endLocked(nil)
}

// endLocked closes the channel once. c.mu is held.
func (sub *Subscription) endLocked(err error) {
	if _, ok := sub.c.subs[sub]; !ok {
		return
	}
	delete(sub.c.subs, sub)
	sub.mu.Lock()
	sub.err = err
	sub.mu.Unlock()
	close(sub.ch)
}

// publishLocked offers a fragment to every subscriber without waiting.
// c.mu is held.
func (c *camera) publishLocked(f Fragment) {
	for sub := range c.subs {
		select {
		case sub.ch <- f:
		default:
			c.st.log.Warn("video subscriber fell behind and was dropped", "camera", c.name, "fragment", f.Number)
			sub.endLocked(ErrLagged)
		}
	}
}

// closeSubscribers ends every subscription. c.mu is held.
func (c *camera) closeSubscribers(err error) {
	for sub := range c.subs {
		sub.endLocked(err)
	}
	c.wake()
}
