package firehoseapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// AWS error types the API sends.
const (
	errAccessDenied       = "AccessDeniedException"
	errInternalFailure    = "InternalFailure"
	errInvalidArgument    = "InvalidArgumentException"
	errLimitExceeded      = "LimitExceededException"
	errResourceInUse      = "ResourceInUseException"
	errResourceNotFound   = "ResourceNotFoundException"
	errSerialization      = "SerializationException"
	errServiceUnavailable = "ServiceUnavailableException"
	errUnknownOperation   = "UnknownOperationException"
	errValidation         = "ValidationException"
)

// AuthError is what an Auth hook returns to refuse a request: Type is the AWS
// error type the client sees (e.g. "UnrecognizedClientException",
// "InvalidSignatureException", "IncompleteSignatureException"), with HTTP
// 400 as AWS JSON services send them. Any error with a method
// AWSErrorType() string (kinesis.AuthError is one) is rendered the same way;
// any other error as AccessDeniedException.
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

func invalidArgument(format string, args ...any) *apiError {
	return newError(errInvalidArgument, format, args...)
}

// validationError is AWS's answer to a request that breaks a constraint of
// the API's model (a length, a range, a pattern, a required member).
func validationError(format string, args ...any) *apiError {
	return newError(errValidation, "1 validation error detected: "+format, args...)
}

func required(member string) *apiError {
	return validationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// serviceUnavailable is Firehose's "back off and retry": HTTP 503, which
// every AWS SDK retries.
func serviceUnavailable(format string, args ...any) *apiError {
	return &apiError{Type: errServiceUnavailable, Message: fmt.Sprintf(format, args...), Status: http.StatusServiceUnavailable}
}

// toAPIError maps an error from an operation to what the client sees. The
// operations turn the errors they can describe better into *apiError; the
// rest are the engine's and the delivery manager's sentinels.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var typed interface{ AWSErrorType() string }
	if errors.As(err, &typed) {
		// Without a message of its own, an error that says "Type: message".
		typ := typed.AWSErrorType()
		return &apiError{Type: typ, Message: strings.TrimPrefix(err.Error(), typ+": "), Status: http.StatusBadRequest}
	}
	msg := err.Error()
	switch {
	case errors.Is(err, shards.ErrStreamFull):
		return serviceUnavailable("Slow down. %s", msg)
	case errors.Is(err, shards.ErrNotFound), errors.Is(err, uplink.ErrNotFound):
		return newError(errResourceNotFound, "%s", msg)
	case errors.Is(err, shards.ErrExists), errors.Is(err, uplink.ErrExists):
		return newError(errResourceInUse, "%s", msg)
	case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, uplink.ErrConfig):
		return newError(errInvalidArgument, "%s", msg)
	case errors.Is(err, shards.ErrLimitExceeded):
		return newError(errLimitExceeded, "%s", msg)
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
		// Without a message of its own, an error that says "Type: message".
		typ := typed.AWSErrorType()
		return &apiError{Type: typ, Message: strings.TrimPrefix(err.Error(), typ+": "), Status: http.StatusBadRequest}
	}
	return &apiError{Type: errAccessDenied, Message: err.Error(), Status: http.StatusBadRequest}
}
