package receiver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink/endpoint"
)

// Pattern is where the gateway mounts a Handler: the stream is the last
// path segment.
const Pattern = "POST /api/v1/firehose/{stream}"

// Store is where a Handler puts what it receives.
type Store interface {
	// PutAll stores entries into the stream, in order, and returns once
	// they are durable; shards.ErrNotFound when there is no such stream.
	PutAll(ctx context.Context, stream string, entries []shards.PutEntry) error
}

// Shards is a shards.Store as a Handler's Store.
type Shards struct{ Store *shards.Store }

func (s Shards) PutAll(ctx context.Context, stream string, entries []shards.PutEntry) error {
	st, err := s.Store.Stream(stream)
	if err != nil {
		return err
	}
	return st.PutAll(ctx, entries)
}

// Handler receives the protocol into a Store (see the package
// documentation). Set the fields, then serve; do not change them while
// serving, and do not copy a Handler.
type Handler struct {
	Store Store
	// AccessKey reports whether a request's X-Amz-Firehose-Access-Key may
	// deliver; nil accepts every request.
	AccessKey func(key string) bool
	Logger    *slog.Logger // nil: discard

	recent recentRequests
}

// recentRequestIDs bounds the request ids a Handler remembers.
const recentRequestIDs = 4096

// ServeHTTP answers one request of the protocol.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := ParseRequest(r, endpoint.MaxBodySize)
	if err != nil {
		WriteResponse(w, r.Header.Get(endpoint.HeaderRequestID), err)
		return
	}
	if h.AccessKey != nil && !h.AccessKey(req.AccessKey) {
		WriteResponse(w, req.RequestID, &RequestError{Status: http.StatusUnauthorized,
			Reason: "X-Amz-Firehose-Access-Key is not a configured access key's secret"})
		return
	}
	name := r.PathValue("stream")
	key := name + "\x00" + req.RequestID
	stored, err := h.recent.claim(r.Context(), key)
	switch {
	case err != nil:
		WriteResponse(w, req.RequestID, &RequestError{Status: http.StatusServiceUnavailable,
			Reason: "waiting for another copy of the request: " + err.Error()})
		return
	case stored:
		WriteResponse(w, req.RequestID, nil)
		return
	}
	err = h.put(r.Context(), name, req)
	h.recent.release(key, err == nil)
	if err != nil {
		status := http.StatusServiceUnavailable
		switch {
		case errors.Is(err, shards.ErrNotFound):
			status, err = http.StatusNotFound, fmt.Errorf("stream %q: %w", name, err)
		case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, shards.ErrLimitExceeded):
			status = http.StatusRequestEntityTooLarge // a record the stream will never take
		case errors.Is(err, shards.ErrDiskFull):
			// 503, retried by the sender; the disk guard logs the state
			// once, not each request.
		default:
			h.logger().Warn("receiver: store", "stream", name, "err", err)
		}
		WriteResponse(w, req.RequestID, &RequestError{Status: status, Reason: err.Error()})
		return
	}
	WriteResponse(w, req.RequestID, nil)
}

// put stores a request's records; a panic in the store is an error, so
// that the claim on the request is always released.
func (h *Handler) put(ctx context.Context, stream string, req *Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic storing into %q: %v", stream, p)
		}
	}()
	return h.Store.PutAll(ctx, stream, entries(req))
}

// entries are a request's records under the sender's source ARN (its
// tail, when longer than a partition key may be), in order.
func entries(req *Request) []shards.PutEntry {
	pk := req.SourceARN
	if pk == "" {
		pk = "firehose"
	}
	if len(pk) > shards.MaxPartitionKeyLength {
		pk = pk[len(pk)-shards.MaxPartitionKeyLength:]
	}
	out := make([]shards.PutEntry, len(req.Records))
	for i, data := range req.Records {
		out[i] = shards.PutEntry{PartitionKey: pk, Data: data}
	}
	return out
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}
