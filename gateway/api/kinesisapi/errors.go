package kinesisapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tidegate/tidegate/shards"
)

// AWS error types the API sends.
const (
	errAccessDenied         = "AccessDeniedException"
	errExpiredIterator      = "ExpiredIteratorException"
	errExpiredNextToken     = "ExpiredNextTokenException"
	errInternalFailure      = "InternalFailure"
	errInvalidArgument      = "InvalidArgumentException"
	errLimitExceeded        = "LimitExceededException"
	errThroughputExceeded   = "ProvisionedThroughputExceededException"
	errResourceInUse        = "ResourceInUseException"
	errResourceNotFound     = "ResourceNotFoundException"
	errSerialization        = "SerializationException"
	errUnknownOperation     = "UnknownOperationException"
	errValidation           = "ValidationException"
	errInternalFailureEvent = "InternalFailureException" // the event stream's name for it
)

// AuthError is what an Auth hook returns to refuse a request: Type is the AWS
// error type the client sees (e.g. "UnrecognizedClientException",
// "InvalidSignatureException", "MissingAuthenticationTokenException",
// "AccessDeniedException"), with HTTP 400 as AWS JSON services send them.
// Any error with a method AWSErrorType() string is rendered the same way; any
// other error as AccessDeniedException.
type AuthError struct {
	Type    string
	Message string
}

func (e *AuthError) Error() string        { return e.Type + ": " + e.Message }
func (e *AuthError) AWSErrorType() string { return e.Type }

// AWSErrorMessage is the message the client sees.
func (e *AuthError) AWSErrorMessage() string { return e.Message }

// apiError is an error on its way to the client.
type apiError struct {
	Type    string
	Message string
	Status  int
}

func (e *apiError) Error() string        { return e.Type + ": " + e.Message }
func (e *apiError) AWSErrorType() string { return e.Type }

func newError(typ, format string, args ...any) *apiError {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func validationError(format string, args ...any) *apiError {
	return newError(errValidation, "1 validation error detected: "+format, args...)
}

// toAPIError maps an error from an operation to what the client sees. The
// operation has already turned the errors it can describe better (a stream
// or shard not found) into *apiError; the rest are the engine's sentinels.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var typed interface{ AWSErrorType() string }
	if errors.As(err, &typed) {
		return &apiError{Type: typed.AWSErrorType(), Message: err.Error(), Status: http.StatusBadRequest}
	}
	msg := err.Error()
	switch {
	case errors.Is(err, shards.ErrNotFound):
		return newError(errResourceNotFound, "%s", msg)
	case errors.Is(err, shards.ErrExists):
		return newError(errResourceInUse, "%s", msg)
	case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, shards.ErrShardClosed):
		return newError(errInvalidArgument, "%s", msg)
	case errors.Is(err, shards.ErrLimitExceeded):
		return newError(errLimitExceeded, "%s", msg)
	case errors.Is(err, shards.ErrStreamFull):
		return newError(errThroughputExceeded, "%s; retry with backoff", msg)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{Type: errInternalFailure, Message: "request canceled: " + msg, Status: http.StatusInternalServerError}
	}
	return &apiError{Type: errInternalFailure, Message: "internal error", Status: http.StatusInternalServerError}
}

// authError renders an Auth hook's refusal.
func authError(err error) *apiError {
	var ae interface {
		AWSErrorType() string
		AWSErrorMessage() string
	}
	if errors.As(err, &ae) {
		return &apiError{Type: ae.AWSErrorType(), Message: ae.AWSErrorMessage(), Status: http.StatusBadRequest}
	}
	var typed interface{ AWSErrorType() string }
	if errors.As(err, &typed) {
		return &apiError{Type: typed.AWSErrorType(), Message: err.Error(), Status: http.StatusBadRequest}
	}
	return &apiError{Type: errAccessDenied, Message: err.Error(), Status: http.StatusBadRequest}
}
