package uplink

import (
	"context"
	"time"
)

// Record is one record on its way out: where it came from and its bytes,
// already transformed and formatted.
type Record struct {
	Stream       string
	ShardID      string
	Sequence     string
	PartitionKey string
	Arrival      time.Time
	// Data is the record as the delivery's format renders it (for the JSON
	// format: one line, with its newline).
	Data []byte
}

// Batch is what a sink is handed: records buffered together. Records of one
// shard are in order.
type Batch struct {
	// ID names the batch. It stays the same across retries of the batch,
	// and across a restart for the batch that was in flight, so a
	// destination that names what it writes after the batch (an object)
	// writes it again under the same name. A retry of the records a
	// PartialError listed is a batch of its own, with another ID, so that
	// it never overwrites the whole batch's object with a part; a
	// destination that deduplicates what it sends (the HTTP endpoint
	// protocol's request id, a NATS message id) names it after the records.
	ID string
	// Delivery is the delivery's name.
	Delivery string
	// Created is when the batch was closed. Object names take their time
	// from the records' arrival (the oldest of the object), as Firehose
	// does; Created stands in for records without one.
	Created time.Time
	Records []Record
	// Bytes is the sum of len(Records[i].Data).
	Bytes int
}

// Sink is a destination. Send is called by one goroutine at a time per
// delivery; a sink shared by several deliveries must be safe for concurrent
// use.
//
// Life: construct (the sink's package New) → Send … → Close.
type Sink interface {
	// Send delivers a batch and returns nil, a *PartialError, or an error
	// marked by Permanent or Unreachable (see the package documentation).
	// It must not keep b or its records after it returns.
	Send(ctx context.Context, b *Batch) error
	// Close releases connections; Send is not called after it.
	Close() error
}

// ErrorWriter is implemented by sinks that keep records which failed next to
// the delivered ones, as Firehose writes them under an S3 bucket's error
// output prefix. Records in b hold error records (one JSON line each, in the
// Firehose shape: attemptsMade, arrivalTimestamp, errorCode, errorMessage,
// rawData, …); outputType is what !{firehose:error-output-type} expands to
// ("processing-failed", "http-endpoint-failed", "s3-failed", …). The batch
// is named after the records that failed (a replay after a crash writes
// the same objects again). The delivery retries a failed write as it
// retries Send, checkpoints the batch after it, and also writes every such
// record to its dead-letter stream, so an ErrorWriter given up on loses
// nothing.
type ErrorWriter interface {
	WriteErrors(ctx context.Context, b *Batch, outputType string) error
}
