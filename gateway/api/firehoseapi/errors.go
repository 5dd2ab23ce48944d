package firehoseapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// AWS error types the API sends.
const (
	errAccessDenied       = awsjson.TypeAccessDenied
	errInternalFailure    = awsjson.TypeInternalFailure
	errInvalidArgument    = "InvalidArgumentException"
	errLimitExceeded      = "LimitExceededException"
	errResourceInUse      = "ResourceInUseException"
	errResourceNotFound   = "ResourceNotFoundException"
	errSerialization      = awsjson.TypeSerialization
	errServiceUnavailable = "ServiceUnavailableException"
	errUnknownOperation   = awsjson.TypeUnknownOperation
	errValidation         = awsjson.TypeValidation
)

func invalidArgument(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, format, args...)
}

// validationError is AWS's answer to a request that breaks a constraint of
// the API's model (a length, a range, a pattern, a required member).
func validationError(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errValidation, "1 validation error detected: "+format, args...)
}

func required(member string) *awsjson.Error {
	return validationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// serviceUnavailable is Firehose's "back off and retry": HTTP 503, which
// every AWS SDK retries.
func serviceUnavailable(format string, args ...any) *awsjson.Error {
	return &awsjson.Error{Type: errServiceUnavailable, Message: fmt.Sprintf(format, args...), Status: http.StatusServiceUnavailable}
}

// diskFullMessage is a refusal for want of disk space as the disk guard
// words it ("data directory full: N bytes free, reserve M"), without what
// the layers it came through put before it.
func diskFullMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, shards.ErrDiskFull.Error()); i > 0 {
		msg = msg[i:]
	}
	return msg
}

// mapError maps the engine's and the delivery manager's sentinels to what
// the client sees. The operations turn the errors they can describe better
// into *awsjson.Error; awsjson handles those, a canceled request, and the
// rest as InternalFailure.
func mapError(err error) *awsjson.Error {
	msg := err.Error()
	switch {
	case errors.Is(err, shards.ErrStreamFull):
		return serviceUnavailable("Slow down. %s", msg)
	case errors.Is(err, shards.ErrDiskFull):
		return serviceUnavailable("%s", diskFullMessage(err))
	case errors.Is(err, shards.ErrNotFound), errors.Is(err, uplink.ErrNotFound):
		return awsjson.NewError(errResourceNotFound, "%s", msg)
	case errors.Is(err, shards.ErrExists), errors.Is(err, uplink.ErrExists):
		return awsjson.NewError(errResourceInUse, "%s", msg)
	case errors.Is(err, shards.ErrInvalidArgument), errors.Is(err, uplink.ErrConfig):
		return awsjson.NewError(errInvalidArgument, "%s", msg)
	case errors.Is(err, shards.ErrLimitExceeded):
		return awsjson.NewError(errLimitExceeded, "%s", msg)
	}
	return nil
}
