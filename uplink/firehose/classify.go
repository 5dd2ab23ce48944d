package firehose

// permanentCodes are the whole-call errors that no retry can change, the
// ones awsclient.Classify marks uplink.Permanent: the delivery stream is
// missing or fed by a Kinesis stream (it then refuses direct puts), access
// or its KMS key is refused, or the request itself is invalid. ServiceUnavailableException, LimitExceededException,
// ResourceInUseException (a stream being updated), throttling and 5xx are
// not here: they pass, and the engine backs off. Authentication errors
// (UnrecognizedClientException, signature errors) are not here either:
// credentials get rotated, and the engine's retry duration gives an operator
// the time to fix them before anything is dead-lettered.
var permanentCodes = map[string]bool{
	"ResourceNotFoundException":   true,
	"InvalidArgumentException":    true,
	"InvalidSourceException":      true,
	"InvalidKMSResourceException": true,
	"AccessDeniedException":       true,
	"ValidationException":         true,
}
