package endpoint

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Header names of the protocol.
const (
	HeaderProtocolVersion  = "X-Amz-Firehose-Protocol-Version"
	HeaderRequestID        = "X-Amz-Firehose-Request-Id"
	HeaderSourceARN        = "X-Amz-Firehose-Source-Arn"
	HeaderAccessKey        = "X-Amz-Firehose-Access-Key"
	HeaderCommonAttributes = "X-Amz-Firehose-Common-Attributes"
)

// ProtocolVersion is the only version of the protocol there is.
const ProtocolVersion = "1.0"

// Limits of the protocol, version 1.0.
const (
	// MaxBodySize bounds a request body before compression.
	MaxBodySize = 64 << 20
	// MaxRecords bounds the records of one request (the body schema's
	// maxItems); a request carries at least one.
	MaxRecords = 10000
	// MaxRecordSize bounds one record's data before base64.
	MaxRecordSize = 1024000
	// MaxRecordDataLen is MaxRecordSize in base64 characters.
	MaxRecordDataLen = 1365336
	// MaxAccessKeySize bounds the access key header.
	MaxAccessKeySize = 4096
	// MaxCommonAttributes bounds the common attributes; names are 1-256
	// characters, values 0-1024.
	MaxCommonAttributes  = 50
	MaxAttributeNameLen  = 256
	MaxAttributeValueLen = 1024
	// MaxResponseSize bounds a response body.
	MaxResponseSize = 1 << 20
	// MaxErrorMessageLen bounds a response's errorMessage, in characters.
	MaxErrorMessageLen = 8192
)

// Error codes, as Firehose names them in its error records and logs, and as
// the delivery engine writes them into dead-letter records.
const (
	// CodeDestinationException: the endpoint answered with a status other
	// than 200.
	CodeDestinationException = "HttpEndpoint.DestinationException"
	// CodeInvalidResponse: a 200 whose headers or body break the protocol
	// (not JSON, requestId missing or different, timestamp missing).
	CodeInvalidResponse = "HttpEndpoint.InvalidResponseFromDestination"
	// CodeResponseTooLarge: a response body over 1 MiB.
	CodeResponseTooLarge = "HttpEndpoint.ResponseTooLarge"
	// CodeRequestTimeout: no response within the request timeout.
	CodeRequestTimeout = "HttpEndpoint.RequestTimeout"
	// CodeConnectionFailed: no connection could be made.
	CodeConnectionFailed = "HttpEndpoint.ConnectionFailed"
	// CodeConnectionReset: the endpoint closed or reset the connection.
	CodeConnectionReset = "HttpEndpoint.ConnectionReset"
	// CodeSSLHandshakeFailure: the TLS handshake failed.
	CodeSSLHandshakeFailure = "HttpEndpoint.SSLHandshakeFailure"
	// CodeRecordTooLarge is Tidegate's: a record over MaxRecordSize, which
	// the protocol cannot carry (Firehose refuses such records when they are
	// put). It is refused alone, so it cannot make a whole request fail.
	CodeRecordTooLarge = "HttpEndpoint.RecordTooLarge"
)

// ValidAttributes applies the common attributes schema: at most 50
// properties, names matching ^.{1,256}$, string values of 0-1024
// characters. The sender checks its configuration with it, a receiver the
// header it got.
func ValidAttributes(m map[string]string) error {
	if len(m) > MaxCommonAttributes {
		return fmt.Errorf("%d attributes is over the protocol's %d", len(m), MaxCommonAttributes)
	}
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("attribute %q: not UTF-8", k)
		}
		if n := utf8.RuneCountInString(k); n < 1 || n > MaxAttributeNameLen || strings.ContainsAny(k, "\n\r\u2028\u2029") {
			return fmt.Errorf("attribute name %q: 1-%d characters on one line", k, MaxAttributeNameLen)
		}
		if n := utf8.RuneCountInString(v); n > MaxAttributeValueLen {
			return fmt.Errorf("attribute %q: value of %d characters is over %d", k, n, MaxAttributeValueLen)
		}
	}
	return nil
}
