package kinesisapi

import "time"

// Metrics receives what the API observes. The daemon implements it with
// Prometheus; a nil Metrics in API discards everything. Implementations must
// be safe for concurrent use and cheap: they run on every request.
type Metrics interface {
	// Request observes one call: its operation (e.g. "PutRecords"), the AWS
	// error type it failed with ("" on success) and how long it took (for
	// SubscribeToShard, the whole session).
	Request(operation, errorType string, latency time.Duration)
	// RecordsIn counts records and data bytes a put stored in stream.
	RecordsIn(stream string, records, bytes int)
	// RecordsOut counts records and data bytes GetRecords and
	// SubscribeToShard returned from stream.
	RecordsOut(stream string, records, bytes int)
	// RecordsRejected counts records PutRecords failed one by one (throttled,
	// or the stream is full), by their ErrorCode.
	RecordsRejected(stream, errorCode string, records int)
}

type nopMetrics struct{}

func (nopMetrics) Request(string, string, time.Duration) {}
func (nopMetrics) RecordsIn(string, int, int)            {}
func (nopMetrics) RecordsOut(string, int, int)           {}
func (nopMetrics) RecordsRejected(string, string, int)   {}

func (a *API) metrics() Metrics {
	if a.Metrics == nil {
		return nopMetrics{}
	}
	return a.Metrics
}
