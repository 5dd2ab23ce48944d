package kinesisapi

import (
	"errors"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// AWS error types the API sends.
const (
	errAccessDenied         = awsjson.TypeAccessDenied
	errExpiredIterator      = "ExpiredIteratorException"
	errExpiredNextToken     = "ExpiredNextTokenException"
	errInternalFailure      = awsjson.TypeInternalFailure
	errInvalidArgument      = "InvalidArgumentException"
	errLimitExceeded        = "LimitExceededException"
	errThroughputExceeded   = "ProvisionedThroughputExceededException"
	errResourceInUse        = "ResourceInUseException"
	errResourceNotFound     = "ResourceNotFoundException"
	errSerialization        = awsjson.TypeSerialization
	errUnknownOperation     = awsjson.TypeUnknownOperation
	errValidation           = awsjson.TypeValidation
	errInternalFailureEvent = "InternalFailureException" // the event stream's name for it
)

func validationError(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errValidation, "1 validation error detected: "+format, args...)
}

// mapError maps the engine's sentinels to what the client sees. The
// operations have already turned the errors they can describe better (a
// stream or shard not found) into *awsjson.Error; awsjson handles those,
// a canceled request, and the rest as InternalFailure.
func mapError(err error) *awsjson.Error {
	msg := err.Error()
	switch {
	case errors.Is(err, shards.ErrNotFound):
		return awsjson.NewError(errResourceNotFound, "%s", msg)
	case errors.Is(err, shards.ErrExists):
		return awsjson.NewError(errResourceInUse, "%s", msg)
	case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, shards.ErrShardClosed):
		return awsjson.NewError(errInvalidArgument, "%s", msg)
	case errors.Is(err, shards.ErrLimitExceeded):
		return awsjson.NewError(errLimitExceeded, "%s", msg)
	case errors.Is(err, shards.ErrStreamFull):
		return awsjson.NewError(errThroughputExceeded, "%s; retry with backoff", msg)
	}
	return nil
}
