package awsclient

import (
	"errors"

	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/uplink"
)

// Classify marks err, returned by an AWS service client, for the delivery
// engine. An API error whose code is in permanent is uplink.Permanent
// with that code; any other API error (throttling, 5xx, credentials being
// rotated) stays plain, to be retried; an error without an API answer goes
// through uplink.Classify, so a transport failure is Unreachable. The
// permanent codes are the destination's: each service names its refusals.
func Classify(err error, permanent map[string]bool) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		if code := api.ErrorCode(); permanent[code] {
			return uplink.Permanent(code, err)
		}
		return err
	}
	return uplink.Classify(err)
}

// ErrorCode is the code a record reports when it could not be sent because
// its call failed as a whole: the API error's code, "Unreachable" for a
// transport failure, else "RequestFailed".
func ErrorCode(err error) string {
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		return api.ErrorCode()
	case uplink.IsUnreachable(err):
		return "Unreachable"
	}
	return "RequestFailed"
}
