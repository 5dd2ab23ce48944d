// Package awsjson is the plumbing every AWS-compatible API of the gateway
// shares: it finds the operation a request names, reads the body under a
// limit, lets an Auth hook see it, decodes it through the service's codec,
// runs the operation with panics contained, and answers in the AWS shape,
// with a request id, a log line and a metrics observation for every call.
// A service package (kinesisapi, firehoseapi) brings its operations, its
// codecs and the mapping of its engine's errors, and nothing else.
//
// # Protocols
//
// A Service speaks one of the two JSON protocols AWS services use:
//
//   - awsJson1.1 (Kinesis Data Streams, Firehose), when TargetPrefix is
//     set: every request is POST /, its X-Amz-Target header names the
//     operation as TargetPrefix+Name, and an error is HTTP 4xx/5xx with
//     the header X-Amzn-Errortype and a body {"__type": type, "message": text}.
//   - restJson1 (Kinesis Video Streams), when TargetPrefix is empty: the
//     request path names the operation (POST /listFragments), and an error
//     carries its type in X-Amzn-Errortype and a body {"message": text}.
//
// # Before an operation runs
//
// A request fails, in this order, with:
//
//   - a method other than POST: AccessDeniedException, HTTP 403 (as AWS does);
//   - a content type no codec accepts: UnknownOperationException;
//   - a missing or unknown operation: UnknownOperationException;
//   - a body over MaxRequestBytes: ValidationException;
//   - a refusal by the Auth hook: the refusal's type (see AuthError);
//   - a body the codec cannot decode: SerializationException.
//
// Nothing reaches an operation before its request is read whole,
// authenticated and decoded, and a unary operation's response is encoded
// whole before any of it is written.
//
// # Errors
//
// An operation returns an *Error (type, message, status) for what it can
// describe; an error with the methods AWSErrorType and AWSErrorMessage
// (sigv4.Error is one) is sent as it says, with HTTP 400; the service's
// MapError turns its engine's sentinels into an *Error; anything else is
// an InternalFailure (HTTP 500) whose cause is logged, not sent. So is a
// panic in an operation, logged with its stack: a bug costs one request,
// never the process or the client's connection.
//
// # State
//
// A Service is configuration; it keeps nothing between requests except a
// pool of response buffers. The request-id prefix and counter are the one
// package-level state (see requestid.go): ids must be unique across every
// service of the process, as AWS's are across a region.
package awsjson
