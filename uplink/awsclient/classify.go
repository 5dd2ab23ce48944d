package awsclient

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/tidegate/tidegate/uplink"
)

// Classify marks err, returned by an AWS service client, for the delivery
// engine. An API error whose code is in permanent is uplink.Permanent
// with that code; any other API error (throttling, 5xx, credentials being
// rotated) stays plain, to be retried; an error without an API answer goes
// through uplink.Classify, so a transport failure is Unreachable. The
// permanent codes are the destination's: each service names its refusals.
// An answer of 5xx is MaybeDelivered: the service may have taken the
// records before it failed.
func Classify(err error, permanent map[string]bool) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		if code := api.ErrorCode(); permanent[code] {
			return uplink.Permanent(code, err)
		}
		if serverError(err) {
			return uplink.MaybeDelivered(err)
		}
		return err
	}
	return uplink.Classify(err)
}

// serverError reports whether err carries an HTTP answer of 5xx.
func serverError(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() >= 500
}

// maybeDelivered is the SDK's retry decision for a failed call whose
// records the service may hold already (a 5xx, a connection cut after
// the request went out): not retried within the call, so that the
// delivery engine sees the failure and counts the records it sends again
// as redelivered. Other errors get the SDK's own decision.
func maybeDelivered(err error) aws.Ternary {
	if serverError(err) || uplink.IsMaybeDelivered(uplink.Classify(err)) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
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
