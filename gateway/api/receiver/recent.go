package receiver

import (
	"container/list"
	"context"
	"sync"
)

// recentRequests remembers, per stream and request id, the requests being
// stored and the last ones stored. A copy of a request in flight waits for
// the first copy's outcome instead of storing the records a second time.
type recentRequests struct {
	mu      sync.Mutex
	entries map[string]*recentEntry
	stored  *list.List // keys of stored entries, oldest first
}

type recentEntry struct {
	done   chan struct{} // closed when the attempt to store ends
	stored bool          // written before done is closed
}

// claim returns stored when the request was stored already, or when a
// copy being stored now succeeds; otherwise the caller owns the key and
// must call release with its outcome. A copy waits for the one in flight,
// and tries itself if that one fails; ctx ends the wait.
func (r *recentRequests) claim(ctx context.Context, key string) (stored bool, err error) {
	for {
		r.mu.Lock()
		if r.entries == nil {
			r.entries, r.stored = map[string]*recentEntry{}, list.New()
		}
		e, ok := r.entries[key]
		if !ok {
			r.entries[key] = &recentEntry{done: make(chan struct{})}
			r.mu.Unlock()
			return false, nil
		}
		r.mu.Unlock()
		select {
		case <-e.done:
			if e.stored {
				return true, nil
			}
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// release ends the caller's claim: a stored request is remembered (the
// oldest forgotten beyond recentRequestIDs), a failed one forgotten so
// that a copy may try; either way the copies waiting wake up.
func (r *recentRequests) release(key string, stored bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.entries[key]
	if stored {
		e.stored = true
		r.stored.PushBack(key)
		for r.stored.Len() > recentRequestIDs {
			delete(r.entries, r.stored.Remove(r.stored.Front()).(string))
		}
	} else {
		delete(r.entries, key)
	}
	close(e.done)
}
