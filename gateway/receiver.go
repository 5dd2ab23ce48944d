package gateway

import (
	"container/list"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// The HTTP endpoint receiver: POST /api/v1/firehose/{stream} takes the Firehose HTTP
// endpoint delivery protocol v1.0, so an edge (or Amazon Data Firehose itself) can
// deliver into a hub's stream. Records of one sender keep their order: the partition
// key is the sender's X-Amz-Firehose-Source-Arn. A request id seen recently is
// answered 200 without storing its records again, so a sender's retry after a lost
// answer does not duplicate them.

// recentRequests remembers the ids of the last requests stored, per stream.
type recentRequests struct {
	mu    sync.Mutex
	order *list.List
	seen  map[string]*list.Element
	max   int
}

func newRecentRequests(max int) *recentRequests {
	return &recentRequests{order: list.New(), seen: map[string]*list.Element{}, max: max}
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
	if _, ok := r.seen[key]; ok {
		return
	}
	r.seen[key] = r.order.PushBack(key)
	for r.order.Len() > r.max {
		delete(r.seen, r.order.Remove(r.order.Front()).(string))
	}
}

func (g *Gateway) receiverRoutes() []route {
	recent := newRecentRequests(4096)
	return []route{{"POST /api/v1/firehose/{stream}", accessEndpointKey, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := endpoint.ParseRequest(r, endpoint.MaxBodySize)
		if err != nil {
			var re *endpoint.RequestError
			status := http.StatusBadRequest
			if errors.As(err, &re) {
				status = re.Status
			}
			writeEndpointError(w, r.Header.Get("X-Amz-Firehose-Request-Id"), status, err)
			return
		}
		if !g.auth.accessKey(req.AccessKey) {
			writeEndpointError(w, req.RequestID, http.StatusUnauthorized, errors.New("X-Amz-Firehose-Access-Key is not a configured access key's secret"))
			return
		}
		name := r.PathValue("stream")
		s, err := g.store.Stream(name)
		if err != nil {
			writeEndpointError(w, req.RequestID, http.StatusNotFound, fmt.Errorf("stream %q: %w", name, err))
			return
		}
		key := name + "\x00" + req.RequestID
		if recent.has(key) {
			endpoint.WriteResponse(w, req.RequestID, nil)
			return
		}
		pk := req.SourceARN
		if pk == "" {
			pk = "firehose"
		}
		if len(pk) > shards.MaxPartitionKeyLength {
			pk = pk[len(pk)-shards.MaxPartitionKeyLength:]
		}
		entries := make([]shards.PutEntry, len(req.Records))
		for i, data := range req.Records {
			entries[i] = shards.PutEntry{PartitionKey: pk, Data: data}
		}
		// In order, so one sender's records stay in order.
		if err := s.PutAll(r.Context(), entries); err != nil {
			status := http.StatusServiceUnavailable
			if errors.Is(err, shards.ErrInvalidArgument) || errors.Is(err, shards.ErrLimitExceeded) {
				status = http.StatusRequestEntityTooLarge // a record the stream will never take
			}
			writeEndpointError(w, req.RequestID, status, err)
			return
		}
		recent.add(key)
		endpoint.WriteResponse(w, req.RequestID, nil)
	})}}
}

func writeEndpointError(w http.ResponseWriter, requestID string, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"requestId":%q,"errorMessage":%q}`, requestID, err.Error())
}
