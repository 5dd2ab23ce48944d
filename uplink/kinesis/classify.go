package kinesis

import (
	"errors"

	"github.com/aws/smithy-go"
	"github.com/tidegate/tidegate/uplink"
)

// permanentCodes are the whole-call errors that no retry can change: the
// stream or its KMS key is missing, disabled or forbidden, or the request
// itself is invalid. Throttling (ProvisionedThroughputExceeded,
// LimitExceeded, KMSThrottling), InternalFailure and 5xx are not here: they
// pass, and the engine backs off. Authentication errors
// (UnrecognizedClientException, signature errors) are not here either:
// credentials get rotated, and the engine's retry duration gives an operator
// the time to fix them before anything is dead-lettered.
var permanentCodes = map[string]bool{
	"ResourceNotFoundException": true,
	"AccessDeniedException":     true,
	"ValidationException":       true,
	"InvalidArgumentException":  true,
	"KMSDisabledException":      true,
	"KMSInvalidStateException":  true,
	"KMSAccessDeniedException":  true,
	"KMSNotFoundException":      true,
	"KMSOptInRequired":          true,
}

// classify marks an error of a whole PutRecords call for the delivery
// engine.
func classify(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		if code := api.ErrorCode(); permanentCodes[code] {
			return uplink.Permanent(code, err)
		}
		return err
	}
	return uplink.Classify(err)
}

// errorCode is what a record that could not be sent because its call
// failed as a whole reports as its code.
func errorCode(err error) string {
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		return api.ErrorCode()
	case uplink.IsUnreachable(err):
		return "Unreachable"
	}
	return "RequestFailed"
}
