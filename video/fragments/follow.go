package fragments

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Start says where a Follower begins, as GetMedia's StartSelector does.
type Start struct {
	// Exactly one of: Earliest (the oldest fragment kept), Now (the next
	// fragment written), Number (that fragment, or the first after it if
	// retention deleted it), Time (the first fragment overlapping it on
	// the server clock).
	Earliest bool
	Now      bool
	Number   uint64
	Time     time.Time
}

// Follower reads a camera's fragments in order from a start, and then
// waits for new ones: the GetMedia shape. It reads from the store, so it
// never loses a fragment however slowly it goes (until retention deletes
// what it has not read: it then skips to the oldest kept), and it never
// holds the recorder back.
type Follower struct {
	st   *Store
	c    *camera
	next uint64
}

// Follow returns a Follower of a camera that has a recording or a
// configuration, from start.
func (s *Store) Follow(camera string, start Start) (*Follower, error) {
	c, err := s.camera(camera, false)
	if err != nil {
		return nil, err
	}
	f := &Follower{st: s, c: c}
	switch {
	case start.Now:
		c.mu.RLock()
		f.next = c.next
		c.mu.RUnlock()
	case start.Number > 0:
		f.next = start.Number
	case !start.Time.IsZero():
		frs, err := s.Fragments(camera, Query{Start: start.Time, Limit: 1})
		if err != nil {
			return nil, err
		}
		c.mu.RLock()
		f.next = c.next
		c.mu.RUnlock()
		if len(frs) > 0 {
			f.next = frs[0].Number
		}
	case start.Earliest:
		f.next = 1
	default:
		return nil, fmt.Errorf("%w: follow without a start", ErrInvalidArgument)
	}
	return f, nil
}

// Next returns the next fragment with its bytes, waiting for it if the
// follower has caught up, until ctx ends or the store closes. A fragment
// whose bytes fail their checksum is returned as an error wrapping
// ErrCorrupt, and the follower moves past it.
func (f *Follower) Next(ctx context.Context) (*Media, error) {
	for {
		f.c.mu.RLock()
		changed := f.c.changed
		f.c.mu.RUnlock()
		fr, err := f.st.lookup(f.c, f.next, true)
		if err == nil {
			f.next = fr.Number + 1
			m, err := f.st.readMedia(fr)
			if errors.Is(err, ErrNotFound) {
				continue // deleted by retention meanwhile
			}
			return m, err
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if f.st.isClosed() {
			return nil, ErrClosed
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
	}
}

// Position is the number of the fragment Next returns next.
func (f *Follower) Position() uint64 { return f.next }

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
