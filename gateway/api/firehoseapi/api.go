package firehoseapi

import (
	"bytes"
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

// API serves the Amazon Data Firehose API over a Store. Set the fields, then
// call Initialize (or let the first request do it) and serve; do not change
// the fields while serving, and do not copy an API.
type API struct {
	Store     *shards.Store
	Region    string // in ARNs; default "us-east-1"
	AccountID string // in ARNs; default "000000000000"
	// DataDir holds the delivery stream definitions (one small JSON file).
	// Empty: definitions live in memory and are lost at exit.
	DataDir string
	// Deliveries runs the deliveries of delivery streams that have a
	// destination; nil refuses destinations (a delivery stream then only
	// stores into its stream).
	Deliveries Deliveries
	// Destinations turns a destination into its sink's configuration; nil
	// hands the S3Destination or HTTPDestination itself to Deliveries.
	Destinations DestinationMapper
	// S3Region and S3Endpoint are copied into every S3Destination: where
	// the buckets that BucketARNs name live (empty: the sink's defaults).
	S3Region   string
	S3Endpoint string
	// Shards is the shard count of a backing stream the API creates; 0
	// means 1. An existing stream is used as it is.
	Shards int
	// Auth, when set, is called for every request with the whole body before
	// anything is decoded; an error refuses the request (see AuthError).
	Auth    func(r *http.Request, body []byte) error
	Clock   func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: discard
	Metrics Metrics          // nil: discard

	// mu guards defs and serializes the changes of definitions with the
	// writes of their file. Lock order: mu, then the Store and Deliveries.
	mu     sync.RWMutex
	defs   map[string]*definition
	loaded atomic.Bool
}

// TargetPrefix starts the X-Amz-Target header of every Firehose request;
// the gateway routes POST / requests carrying it to API.ServeHTTP.
const TargetPrefix = "Firehose_20150804."

// MaxRequestBytes bounds a request body: a PutRecordBatch of 4 MiB of data,
// base64-encoded, with room for the JSON around it.
const MaxRequestBytes = 8 << 20

// operation runs one Firehose operation on a decoded request.
type operation func(a *API, r *http.Request, body []byte) (any, error)

func unary[In, Out any](fn func(*API, *http.Request, *In) (*Out, error)) operation {
	return func(a *API, r *http.Request, body []byte) (_ any, err error) {
		defer func() {
			// A bug must cost one request an InternalFailure, not the
			// client its connection.
			if p := recover(); p != nil {
				err = fmt.Errorf("firehose: panic: %v\n%s", p, debug.Stack())
			}
		}()
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return fn(a, r, in)
	}
}

var operations = map[string]operation{
	"CreateDeliveryStream":   unary((*API).createDeliveryStream),
	"DeleteDeliveryStream":   unary((*API).deleteDeliveryStream),
	"DescribeDeliveryStream": unary((*API).describeDeliveryStream),
	"ListDeliveryStreams":    unary((*API).listDeliveryStreams),
	"PutRecord":              unary((*API).putRecord),
	"PutRecordBatch":         unary((*API).putRecordBatch),
}

// ServeHTTP answers one Firehose API request. Nothing reaches the store
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
		return "unknown", a.writeError(w, &apiError{Type: errAccessDenied,
			Message: "Unable to determine service/operation name to be authorized", Status: http.StatusForbidden})
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		return "unknown", a.writeError(w, newError(errUnknownOperation,
			"Content-Type %q is not supported: send %s", truncate(r.Header.Get("Content-Type"), 100), contentJSON))
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	op, known := operations[name]
	if !ok || !known {
		if target == "" {
			return "unknown", a.writeError(w, newError(errUnknownOperation, "Missing X-Amz-Target header: want %sOperationName", TargetPrefix))
		}
		return "unknown", a.writeError(w, newError(errUnknownOperation, "Operation %q is not supported by this gateway", truncate(target, 100)))
	}
	body, berr := readBody(w, r)
	if berr != nil {
		return name, a.writeError(w, berr)
	}
	if a.Auth != nil {
		if err := a.Auth(r, body); err != nil {
			return name, a.writeError(w, authError(err))
		}
	}
	if err := a.ensureLoaded(); err != nil {
		return name, a.fail(w, name, err)
	}
	out, err := op(a, r, body)
	if err != nil {
		return name, a.fail(w, name, err)
	}
	b, err := encode(out)
	if err != nil {
		return name, a.fail(w, name, err)
	}
	h := w.Header()
	h.Set("Content-Type", contentJSON)
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
func (a *API) fail(w http.ResponseWriter, op string, err error) string {
	e := toAPIError(err)
	if e.Status >= 500 && e.Type != errServiceUnavailable {
		a.logger().Error("firehose: "+op, "err", err)
	} else {
		a.logger().Debug("firehose: "+op, "type", e.Type, "message", e.Message)
	}
	return a.writeError(w, e)
}

// writeError sends an AWS-shaped error and returns its type.
func (a *API) writeError(w http.ResponseWriter, e *apiError) string {
	b, err := encode(errorBody{Type: e.Type, Message: e.Message})
	if err != nil { // cannot happen for two strings; keep the shape anyway
		b = []byte(`{"__type":"InternalFailure","message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentJSON)
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

func (a *API) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock()
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
