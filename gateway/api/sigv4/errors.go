package sigv4

import "fmt"

// Error types, spelled as AWS's JSON-protocol services (Kinesis, Firehose) spell them in
// the "__type" of an error response. Every one goes with HTTP status 400.
const (
	// TypeIncompleteSignature: the request carries no signature this package can check: no
	// Authorization header and no presigned query, or one that is malformed (a part missing,
	// an unsupported algorithm, a credential scope of the wrong shape, X-Amz-Date missing or
	// unparsable, X-Amz-Expires missing or out of range), or one that leaves host or an
	// x-amz-* header unsigned.
	TypeIncompleteSignature = "IncompleteSignatureException"
	// TypeInvalidSignature: the signature is well formed but wrong, expired, not yet
	// current, scoped to another service or date, or over a body other than the one sent.
	TypeInvalidSignature = "InvalidSignatureException"
	// TypeUnrecognizedClient: the access key id is not configured, or the request carries a
	// session token, which the gateway never issues.
	TypeUnrecognizedClient = "UnrecognizedClientException"
)

// Messages AWS sends word for word; clients and people search for them.
const (
	msgMissingToken      = "Missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Error is the only error Verify returns: an AWS error type (one of the Type constants) and
// a message, for the API layer to render as {"__type": Type, "message": Message} with
// HTTP status 400.
type Error struct {
	Type    string
	Message string
}

func (e *Error) Error() string { return "sigv4: " + e.Type + ": " + e.Message }

// AWSErrorType and AWSErrorMessage let the AWS-compatible APIs render a
// refusal as AWS does ({"__type": Type, "message": Message}) without
// knowing this package.
func (e *Error) AWSErrorType() string    { return e.Type }
func (e *Error) AWSErrorMessage() string { return e.Message }

func incomplete(format string, args ...any) *Error {
	return &Error{Type: TypeIncompleteSignature, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *Error {
	return &Error{Type: TypeInvalidSignature, Message: fmt.Sprintf(format, args...)}
}

func unrecognized() *Error {
	return &Error{Type: TypeUnrecognizedClient, Message: msgUnrecognized}
}
