// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests, so that AWS
// SDKs and the AWS CLI pointed at the gateway authenticate with the access keys configured
// on the device.
//
// A Verifier accepts a signature in the Authorization header or in the query parameters
// of a presigned URL, for any region, for the one service it is configured for. It
// rebuilds the canonical request the way AWS specifies it for services other than S3 (see
// canonicalURIs for the one place where SDKs disagree) and compares signatures with
// hmac.Equal. Derived signing keys are cached per secret, date, region and service.
//
// # Error types
//
// Verify answers with an *Error whose Type is what AWS would put in "__type":
//
//   - IncompleteSignatureException when there is no signature to check, or it is
//     malformed. AWS answers a request with no signature at all with
//     MissingAuthenticationTokenException; the gateway answers it with
//     IncompleteSignatureException and AWS's message "Missing Authentication Token", so
//     that every refusal is one of the three types below, as the project's issue asks.
//     The spelling is the JSON-protocol one (DynamoDB, Cloud9 and other JSON services
//     send "IncompleteSignatureException"; query-protocol services send
//     "IncompleteSignature").
//   - UnrecognizedClientException for an access key id that is not configured, and for a
//     request carrying a session token: the gateway has no STS and issues none.
//   - InvalidSignatureException for everything else: a wrong signature, a date outside
//     the allowed skew ("Signature expired: …", "Signature not yet current: …"), an
//     expired presigned URL, a credential scoped to another service or date, a body that
//     does not match X-Amz-Content-Sha256. aws-sdk-go-v2 treats this code together with
//     the response's Date header as a possible clock skew and retries with its clock
//     corrected, so the API layer must keep net/http's Date header.
//
// # What is refused on purpose
//
// X-Amz-Content-Sha256: UNSIGNED-PAYLOAD and STREAMING-* are refused: for Kinesis and
// Firehose the body is the whole operation, and chunk signatures are not checked. Every
// x-amz-* header present must be signed, so that X-Amz-Target cannot be swapped on a
// replayed request; every AWS SDK and the CLI sign them all. Only X-Amz-Date is read for
// the request time (not Date), and SigV4a (AWS4-ECDSA-P256-SHA256) is not supported.
package sigv4
