package uplink

import (
	"context"
	"time"
)

// Results of a transform, as the Firehose data-transformation contract
// names them.
const (
	ResultOk               = "Ok"
	ResultDropped          = "Dropped"
	ResultProcessingFailed = "ProcessingFailed"
)

// TransformRecord is a record handed to a transform, with what Firehose
// passes along from a Kinesis source (kinesisRecordMetadata).
type TransformRecord struct {
	RecordID     string
	Data         []byte
	Stream       string
	ShardID      string
	Sequence     string
	PartitionKey string
	Arrival      time.Time
}

// TransformResult is a transform's answer for one record.
type TransformResult struct {
	RecordID string
	// Result is ResultOk, ResultDropped or ResultProcessingFailed.
	Result string
	// Data replaces the record's data when Result is Ok.
	Data []byte
	// Message says why a record is ProcessingFailed when the transform
	// or its answer says (it goes into the error record's errorMessage).
	Message string
}

// Transformer changes records before they are formatted and sent: an
// external command or an HTTP endpoint speaking the Firehose
// data-transformation contract (uplink/transform), later SQL.
//
// Transform answers every record it was given, by RecordID, in any order; a
// record it leaves out counts as ProcessingFailed. An error (the transform
// could not run) makes the delivery retry the batch as it retries a sink.
type Transformer interface {
	Transform(ctx context.Context, delivery string, recs []TransformRecord) ([]TransformResult, error)
	Close() error
}
