package firehoseapi

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
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
	// S3Region, S3Endpoint and S3ForcePathStyle are copied into every
	// S3Destination: where the buckets that BucketARNs name live (empty:
	// the sink's defaults). The store's credentials are the gateway's to
	// add, in its DestinationMapper.
	S3Region         string
	S3Endpoint       string
	S3ForcePathStyle *bool
	// Shards is the shard count of a backing stream the API creates; 0
	// means 1. An existing stream is used as it is.
	Shards int
	// Auth, when set, is called for every request with the whole body before
	// anything is decoded; an error refuses the request, rendered as
	// awsjson.AuthError says (a *sigv4.Error as its type and message).
	Auth    func(r *http.Request, body []byte) error
	Clock   func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: discard
	Metrics Metrics          // nil: discard

	// mu guards defs and serializes the changes of definitions with the
	// writes of their file. Lock order: mu, then the Store and Deliveries.
	mu     sync.RWMutex
	defs   map[string]*definition
	loaded atomic.Bool

	svcOnce sync.Once
	svc     *awsjson.Service
}

// TargetPrefix starts the X-Amz-Target header of every Firehose request;
// the gateway routes POST / requests carrying it to API.ServeHTTP.
const TargetPrefix = "Firehose_20150804."

// MaxRequestBytes bounds a request body: a PutRecordBatch of 4 MiB of data,
// base64-encoded, with room for the JSON around it.
const MaxRequestBytes = 8 << 20

// ServeHTTP answers one Firehose API request (see awsjson for what happens
// before an operation runs).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.service().ServeHTTP(w, r)
}

// service is the API's operations on the AWS JSON plumbing, made at the
// first request from the fields then set.
func (a *API) service() *awsjson.Service {
	a.svcOnce.Do(func() {
		a.svc = &awsjson.Service{
			Name:         "firehose",
			TargetPrefix: TargetPrefix,
			Operations: map[string]awsjson.Operation{
				"CreateDeliveryStream":   unary(a, (*API).createDeliveryStream),
				"DeleteDeliveryStream":   unary(a, (*API).deleteDeliveryStream),
				"DescribeDeliveryStream": unary(a, (*API).describeDeliveryStream),
				"ListDeliveryStreams":    unary(a, (*API).listDeliveryStreams),
				"PutRecord":              unary(a, (*API).putRecord),
				"PutRecordBatch":         unary(a, (*API).putRecordBatch),
			},
			Codecs:          []awsjson.Codec{jsonCodec{}},
			MaxRequestBytes: MaxRequestBytes,
			Auth:            a.Auth,
			MapError:        mapError,
			Logger:          a.Logger,
			Metrics:         a.Metrics,
		}
	})
	return a.svc
}

// unary is an operation that needs the definitions loaded: an API served
// without Initialize loads them at its first operation.
func unary[In, Out any](a *API, fn func(*API, *http.Request, *In) (*Out, error)) awsjson.Operation {
	return awsjson.Unary(func(r *http.Request, in *In) (*Out, error) {
		if err := a.ensureLoaded(); err != nil {
			return nil, err
		}
		return fn(a, r, in)
	})
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
