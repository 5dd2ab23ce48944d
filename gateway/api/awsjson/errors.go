package awsjson

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// AWS error types this package sends itself; the service packages add
// their own.
const (
	TypeAccessDenied     = "AccessDeniedException"
	TypeInternalFailure  = "InternalFailure"
	TypeSerialization    = "SerializationException"
	TypeUnknownOperation = "UnknownOperationException"
	TypeValidation       = "ValidationException"
)

// Error is an error on its way to the client: the AWS error type (the
// "__type" or X-Amzn-Errortype), the message, and the HTTP status.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// AWSErrorType and AWSErrorMessage are the methods this package renders
// any error by; an *Error wrapped in another error keeps its shape.
func (e *Error) AWSErrorType() string    { return e.Type }
func (e *Error) AWSErrorMessage() string { return e.Message }

// NewError is the common case: a client error, HTTP 400.
func NewError(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// awsTyped is an error of another package that knows its AWS type, such as
// sigv4.Error.
type awsTyped interface{ AWSErrorType() string }

// awsMessaged also knows the message the client sees.
type awsMessaged interface {
	AWSErrorType() string
	AWSErrorMessage() string
}

// typedError renders an error that knows its AWS type, with HTTP 400; one
// without a message of its own says "Type: message" in Error. ok is false
// for any other error.
func typedError(err error) (e *Error, ok bool) {
	var m awsMessaged
	if errors.As(err, &m) {
		return &Error{Type: m.AWSErrorType(), Message: m.AWSErrorMessage(), Status: http.StatusBadRequest}, true
	}
	var t awsTyped
	if errors.As(err, &t) {
		typ := t.AWSErrorType()
		return &Error{Type: typ, Message: strings.TrimPrefix(err.Error(), typ+": "), Status: http.StatusBadRequest}, true
	}
	return nil, false
}

// AuthError is what the client sees when the Auth hook refuses a request:
// the refusal's own type and message when it has them (a *sigv4.Error),
// else AccessDeniedException with the error's text; HTTP 400 either way,
// as AWS JSON services send authentication errors.
func AuthError(err error) *Error {
	if e, ok := typedError(err); ok {
		return e
	}
	return &Error{Type: TypeAccessDenied, Message: err.Error(), Status: http.StatusBadRequest}
}

// ErrorFor maps an operation's error to what the client sees: an *Error
// as it is; a typed error (see AuthError) as it says; what MapError makes
// of it; a canceled request as InternalFailure saying so; anything else as
// InternalFailure "internal error", whose cause the log keeps.
func (s *Service) ErrorFor(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e, ok := typedError(err); ok {
		return e
	}
	if s.MapError != nil {
		if e := s.MapError(err); e != nil {
			return e
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Type: TypeInternalFailure, Message: "request canceled: " + err.Error(), Status: http.StatusInternalServerError}
	}
	return &Error{Type: TypeInternalFailure, Message: "internal error", Status: http.StatusInternalServerError}
}

// decodeError is the SerializationException for a body the codec refused,
// without echoing large inputs.
func decodeError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if msg == "unexpected end of JSON input" {
		msg = "the request body is empty or truncated: " + msg
	}
	return NewError(TypeSerialization, "%s", Truncate(msg, 300))
}

// Truncate cuts s to at most n bytes on a character boundary, marking the
// cut: how messages echo what a client sent without echoing megabytes.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
