package kinesisapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// API serves the Kinesis Data Streams API over a Store. Set the fields, then
// serve; do not change them while serving, and do not copy an API.
type API struct {
	Store     *shards.Store
	Region    string // in ARNs; default "us-east-1"
	AccountID string // in ARNs; default "000000000000"
	// Auth, when set, is called for every request with the whole body before
	// anything is decoded; an error refuses the request, rendered as
	// awsjson.AuthError says (a *sigv4.Error as its type and message).
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

	svcOnce sync.Once
	svc     *awsjson.Service

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

// ServeHTTP answers one Kinesis API request (see awsjson for what happens
// before an operation runs).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.service().ServeHTTP(w, r)
}

// service is the API's operations on the AWS JSON plumbing, made at the
// first request from the fields then set.
func (a *API) service() *awsjson.Service {
	a.svcOnce.Do(func() {
		a.svc = &awsjson.Service{
			Name:            "kinesis",
			TargetPrefix:    targetPrefix,
			Operations:      a.operations(),
			Codecs:          []awsjson.Codec{jsonCodec{}, cborCodec{}},
			MaxRequestBytes: MaxRequestBytes,
			Auth:            a.Auth,
			MapError:        mapError,
			Logger:          a.Logger,
			Metrics:         a.Metrics,
		}
	})
	return a.svc
}

func (a *API) operations() map[string]awsjson.Operation {
	return map[string]awsjson.Operation{
		"AddTagsToStream":               awsjson.Unary(a.addTagsToStream),
		"CreateStream":                  awsjson.Unary(a.createStream),
		"DecreaseStreamRetentionPeriod": awsjson.Unary(a.decreaseRetention),
		"DeleteStream":                  awsjson.Unary(a.deleteStream),
		"DeregisterStreamConsumer":      awsjson.Unary(a.deregisterConsumer),
		"DescribeLimits":                awsjson.Unary(a.describeLimits),
		"DescribeStream":                awsjson.Unary(a.describeStream),
		"DescribeStreamConsumer":        awsjson.Unary(a.describeConsumer),
		"DescribeStreamSummary":         awsjson.Unary(a.describeStreamSummary),
		"DisableEnhancedMonitoring":     awsjson.Unary(a.disableMonitoring),
		"EnableEnhancedMonitoring":      awsjson.Unary(a.enableMonitoring),
		"GetRecords":                    awsjson.Unary(a.getRecords),
		"GetShardIterator":              awsjson.Unary(a.getShardIterator),
		"IncreaseStreamRetentionPeriod": awsjson.Unary(a.increaseRetention),
		"ListShards":                    awsjson.Unary(a.listShards),
		"ListStreamConsumers":           awsjson.Unary(a.listConsumers),
		"ListStreams":                   awsjson.Unary(a.listStreams),
		"ListTagsForResource":           awsjson.Unary(a.listTagsForResource),
		"ListTagsForStream":             awsjson.Unary(a.listTagsForStream),
		"MergeShards":                   awsjson.Unary(a.mergeShards),
		"PutRecord":                     awsjson.Unary(a.putRecord),
		"PutRecords":                    awsjson.Unary(a.putRecords),
		"RegisterStreamConsumer":        awsjson.Unary(a.registerConsumer),
		"RemoveTagsFromStream":          awsjson.Unary(a.removeTagsFromStream),
		"SplitShard":                    awsjson.Unary(a.splitShard),
		"StartStreamEncryption":         awsjson.Unary(a.startEncryption),
		"StopStreamEncryption":          awsjson.Unary(a.stopEncryption),
		"SubscribeToShard":              awsjson.Stream(a.subscribeToShard),
		"TagResource":                   awsjson.Unary(a.tagResource),
		"UntagResource":                 awsjson.Unary(a.untagResource),
		"UpdateMaxRecordSize":           awsjson.Unary(a.updateMaxRecordSize),
		"UpdateShardCount":              awsjson.Unary(a.updateShardCount),
		"UpdateStreamMode":              awsjson.Unary(a.updateStreamMode),
	}
}

func (a *API) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}
