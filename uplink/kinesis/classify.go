package kinesis

// permanentCodes are the whole-call errors that no retry can change, the
// ones awsclient.Classify marks uplink.Permanent: the stream or its KMS
// key is missing, disabled or forbidden, or the request itself is invalid. Throttling (ProvisionedThroughputExceeded,
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
