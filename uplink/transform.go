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

// Error codes of records a transform failed, as Firehose writes them in
// its processing-failed error records (it names its transforms Lambda).
const (
	// CodeProcessingFailed: the transform answered ProcessingFailed.
	CodeProcessingFailed = "Lambda.ProcessingFailedStatus"
	// CodeMissingRecordID: the transform did not answer the record.
	CodeMissingRecordID = "Lambda.MissingRecordId"
	// CodeDuplicatedRecordID: the transform answered the record twice.
	CodeDuplicatedRecordID = "Lambda.DuplicatedRecordId"
	// CodeJSONProcessing: the answer, or the record's part of it, breaks
	// the contract (a result other than Ok, Dropped or ProcessingFailed,
	// Ok without data or with data that is not base64, not the
	// response JSON).
	CodeJSONProcessing = "Lambda.JsonProcessingException"
	// CodeFunctionError: the transform could not be called or failed
	// (an error status, a timeout, a process that exited), on every one
	// of its attempts.
	CodeFunctionError = "Lambda.FunctionError"
	// CodeInvokeLimitExceeded: the transform kept answering 429.
	CodeInvokeLimitExceeded = "Lambda.InvokeLimitExceeded"
)

// DefaultTransformRetries is how many times a transform that cannot be
// called is called again before its records are dead-lettered as
// processing-failed: Firehose's default for a Lambda function.
const DefaultTransformRetries = 3

// TransformRetrier is implemented by a Transformer whose configuration
// says how many times a failed call is retried (Firehose's
// NumberOfRetries); other transformers get DefaultTransformRetries.
type TransformRetrier interface {
	Retries() int
}

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
	// Code is the error record's errorCode for a record that is not Ok
	// or Dropped (CodeProcessingFailed, CodeDuplicatedRecordID, …);
	// empty means CodeProcessingFailed.
	Code string
}

// Transformer changes records before they are formatted and sent: an
// external command or an HTTP endpoint speaking the Firehose
// data-transformation contract (uplink/transform), later SQL.
//
// Transform answers every record it was given, by RecordID, in any order; a
// record it leaves out counts as failed (CodeMissingRecordID). An error
// (the transform could not run) makes the delivery call it again, as many
// times as its retries (TransformRetrier), then dead-letter the batch's
// records as processing-failed, with the error's ErrorCode() when it has
// one, else CodeFunctionError.
type Transformer interface {
	Transform(ctx context.Context, delivery string, recs []TransformRecord) ([]TransformResult, error)
	Close() error
}
