package awsjson

// Codec is one wire encoding of requests and responses. The service
// packages keep their codecs (Kinesis has a fast JSON path and CBOR;
// Firehose plain JSON); this package only picks one per request.
type Codec interface {
	// ContentType is the media type of responses, and the one named to a
	// client whose content type no codec accepts.
	ContentType() string
	// Accepts reports whether requests whose Content-Type has this media
	// type (lower case, parameters removed) decode with this codec.
	Accepts(mediaType string) bool
	// Unmarshal decodes a request body into v. Any failure is the client's:
	// it is answered as a SerializationException with the error's text,
	// shortened, as the message.
	Unmarshal(body []byte, v any) error
	// Marshal appends the encoding of v to dst.
	Marshal(dst []byte, v any) ([]byte, error)
}

// JSONMediaType reports whether a media type is one the AWS JSON clients
// send: AWS JSON 1.1 (the AWS CLI and SDKs), and the 1.0 and plain JSON
// types hand-made clients send.
func JSONMediaType(mediaType string) bool {
	switch mediaType {
	case "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json":
		return true
	}
	return false
}
