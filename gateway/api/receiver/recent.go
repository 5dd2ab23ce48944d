package receiver

import (
	"container/list"
	"sync"
)

// recentRequests remembers the ids of the last requests stored, per stream.
type recentRequests struct {
	mu    sync.Mutex
	order *list.List
	seen  map[string]*list.Element
}

func (r *recentRequests) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.seen[key]
	return ok
}

func (r *recentRequests) add(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.order, r.seen = list.New(), map[string]*list.Element{}
	}
	if _, ok := r.seen[key]; ok {
		return
	}
	r.seen[key] = r.order.PushBack(key)
	for r.order.Len() > recentRequestIDs {
		delete(r.seen, r.order.Remove(r.order.Front()).(string))
	}
}
