package decode

import (
	"errors"
	"fmt"
)

// Errors a caller can test for with errors.Is. Messages stay specific (the
// field, the line, what was wanted); these only classify them.
var (
	// ErrBadPayload marks every Decode error: the message is dead-lettered.
	ErrBadPayload = errors.New("decode: bad payload")
	// ErrConfig marks every configuration error: the decoder configuration is wrong.
	ErrConfig = errors.New("decode: bad config")
)

// classified keeps a precise message while matching a sentinel.
type classified struct {
	msg  string
	kind error
}

func (e *classified) Error() string { return e.msg }
func (e *classified) Unwrap() error { return e.kind }

// payloadErrorf reports a bad payload as "decode: <format>: <detail>".
func payloadErrorf(format string, args ...any) error {
	return &classified{msg: "decode: " + fmt.Sprintf(format, args...), kind: ErrBadPayload}
}

// configErrorf reports a bad configuration as "decode: config: <detail>".
func configErrorf(format string, args ...any) error {
	return &classified{msg: "decode: config: " + fmt.Sprintf(format, args...), kind: ErrConfig}
}
