package kinesisapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// API serves the Kinesis Data Streams API over a Store. Set the fields, then
// serve; do not change them while serving, and do not copy an API.
type API struct {
	Store     *shards.Store
	Region    string // in ARNs; default "us-east-1"
	AccountID string // in ARNs; default "000000000000"
	// Auth, when set, is called for every request with the whole body before
	// anything is decoded; an error refuses the request (see AuthError).
	Auth func(r *http.Request, body []byte) error
	// IteratorKey signs shard iterators (32 bytes). The daemon persists it so
	// iterators survive a restart; empty means a random key per process.
	IteratorKey []byte
	// Throttled reports whether a stream enforces Kinesis's per-shard
	// limits; nil means never.
	Throttled func(stream string) bool
	Clock     func() time.Time // nil: time.Now
	Logger    *slog.Logger     // nil: discard
	Metrics   Metrics          // nil: discard

	keyOnce sync.Once
	key     []byte

	limitsOnce sync.Once
	limits     *limiter

	// SubscribeToShard timings; zero means the Kinesis values. Tests shorten them.
	heartbeat  time.Duration
	sessionTTL time.Duration
}

// MaxRequestBytes bounds a request body: the largest PutRecords (10 MiB of
// data with a 10 MiB MaxRecordSize) base64-encoded, with room to spare.
const MaxRequestBytes = 16 << 20

const targetPrefix = "Kinesis_20131202."

// operation is one Kinesis operation: unary ones decode, run and return an
// output; SubscribeToShard writes its own event stream.
type operation struct {
	serve  func(a *API, ctx context.Context, c codec, body []byte) (any, error)
	stream func(a *API, w http.ResponseWriter, r *http.Request, c codec, body []byte) error
}

func unary[In, Out any](fn func(*API, context.Context, *In) (*Out, error)) operation {
	return operation{serve: func(a *API, ctx context.Context, c codec, body []byte) (_ any, err error) {
		defer func() {
			// A bug must cost one request an InternalFailure, not the
			// client its connection.
			if p := recover(); p != nil {
				err = fmt.Errorf("kinesis: panic: %v\n%s", p, debug.Stack())
			}
		}()
		in := new(In)
		if err := c.unmarshal(body, in); err != nil {
			return nil, newError(errSerialization, "%s", typeErrorMessage(err))
		}
		out, err := fn(a, ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}}
}

var operations = map[string]operation{
	"AddTagsToStream":               unary((*API).addTagsToStream),
	"CreateStream":                  unary((*API).createStream),
	"DecreaseStreamRetentionPeriod": unary((*API).decreaseRetention),
	"DeleteStream":                  unary((*API).deleteStream),
	"DeregisterStreamConsumer":      unary((*API).deregisterConsumer),
	"DescribeLimits":                unary((*API).describeLimits),
	"DescribeStream":                unary((*API).describeStream),
	"DescribeStreamConsumer":        unary((*API).describeConsumer),
	"DescribeStreamSummary":         unary((*API).describeStreamSummary),
	"GetRecords":                    unary((*API).getRecords),
	"GetShardIterator":              unary((*API).getShardIterator),
	"IncreaseStreamRetentionPeriod": unary((*API).increaseRetention),
	"ListShards":                    unary((*API).listShards),
	"ListStreamConsumers":           unary((*API).listConsumers),
	"ListStreams":                   unary((*API).listStreams),
	"ListTagsForStream":             unary((*API).listTagsForStream),
	"MergeShards":                   unary((*API).mergeShards),
	"PutRecord":                     unary((*API).putRecord),
	"PutRecords":                    unary((*API).putRecords),
	"RegisterStreamConsumer":        unary((*API).registerConsumer),
	"RemoveTagsFromStream":          unary((*API).removeTagsFromStream),
	"SplitShard":                    unary((*API).splitShard),
	"SubscribeToShard":              {stream: (*API).subscribeToShard},
	"UpdateMaxRecordSize":           unary((*API).updateMaxRecordSize),
	"UpdateShardCount":              unary((*API).updateShardCount),
}

// ServeHTTP answers one Kinesis API request. Nothing reaches the store
// before the request is read whole, authenticated and decoded, and a
// response is encoded whole before any of it is written.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	opName, errType := a.serve(w, r)
	a.metrics().Request(opName, errType, time.Since(start))
}

// serve handles a request and returns the operation name for metrics
// ("unknown" when there is none, to keep label values bounded) and the
// error type sent, if any.
func (a *API) serve(w http.ResponseWriter, r *http.Request) (opName, errType string) {
	w.Header().Set("X-Amzn-Requestid", requestID())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return "unknown", a.writeError(w, jsonCodec{}, &apiError{Type: errAccessDenied,
			Message: "Unable to determine service/operation name to be authorized", Status: http.StatusForbidden})
	}
	c := codecFor(r.Header.Get("Content-Type"))
	if c == nil {
		return "unknown", a.writeError(w, jsonCodec{}, newError(errUnknownOperation,
			"Content-Type %q is not supported: send %s or %s", r.Header.Get("Content-Type"), contentJSON, contentCBOR))
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := operations[name]
	if !ok || !known {
		if target == "" {
			return "unknown", a.writeError(w, c, newError(errUnknownOperation, "Missing X-Amz-Target header: want %sOperationName", targetPrefix))
		}
		return "unknown", a.writeError(w, c, newError(errUnknownOperation, "Operation %q is not supported by this gateway", truncate(target, 100)))
	}
	body, berr := readBody(w, r)
	if berr != nil {
		return name, a.writeError(w, c, berr)
	}
	if a.Auth != nil {
		if err := a.Auth(r, body); err != nil {
			return name, a.writeError(w, c, authError(err))
		}
	}
	if op.stream != nil {
		if err := op.stream(a, w, r, c, body); err != nil {
			return name, a.fail(w, c, name, err)
		}
		return name, ""
	}
	out, err := op.serve(a, r.Context(), c, body)
	if err != nil {
		return name, a.fail(w, c, name, err)
	}
	buf := getBuf()
	defer putBuf(buf)
	b, err := c.marshal((*buf)[:0], out)
	if err != nil {
		return name, a.fail(w, c, name, err)
	}
	*buf = b
	h := w.Header()
	h.Set("Content-Type", c.contentType())
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return name, ""
}

// readBody reads the whole body, refusing more than MaxRequestBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= MaxRequestBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, newError(errValidation, "Request body is larger than the limit of %d bytes", MaxRequestBytes)
	case err != nil:
		return nil, newError(errSerialization, "reading the request body: %v", err)
	}
	return buf.Bytes(), nil
}

// fail logs an operation's error and sends it.
func (a *API) fail(w http.ResponseWriter, c codec, op string, err error) string {
	e := toAPIError(err)
	if e.Status >= 500 {
		a.logger().Error("kinesis: "+op, "err", err)
	} else {
		a.logger().Debug("kinesis: "+op, "type", e.Type, "message", e.Message)
	}
	return a.writeError(w, c, e)
}

// writeError sends an AWS-shaped error and returns its type.
func (a *API) writeError(w http.ResponseWriter, c codec, e *apiError) string {
	b, err := c.marshal(nil, errorBody{Type: e.Type, Message: e.Message})
	if err != nil { // cannot happen for two strings; keep the shape anyway
		c, b = jsonCodec{}, []byte(`{"__type":"InternalFailure","message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", c.contentType())
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	w.Write(b)
	return e.Type
}

func (a *API) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// Request ids look like AWS's (UUIDs): a random prefix per process and a counter.
var (
	requestPrefix = func() string {
		var b [10]byte
		rand.Read(b[:])
		h := hex.EncodeToString(b[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-"
	}()
	requestSeq atomic.Uint64
)

func requestID() string {
	var b [12]byte
	n := requestSeq.Add(1)
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[n&15]
		n >>= 4
	}
	return requestPrefix + string(b[:])
}

// Response buffers are pooled; big ones (GetRecords of many MiB) are left
// to the garbage collector so an idle gateway stays small.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxPooledBuf = 1 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
