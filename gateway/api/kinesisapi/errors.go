package kinesisapi

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// AWS error types the API sends.
const (
	errAccessDenied         = awsjson.TypeAccessDenied
	errExpiredIterator      = "ExpiredIteratorException"
	errExpiredNextToken     = "ExpiredNextTokenException"
	errInternalFailure      = awsjson.TypeInternalFailure
	errInvalidArgument      = "InvalidArgumentException"
	errLimitExceeded        = "LimitExceededException"
	errThroughputExceeded   = "ProvisionedThroughputExceededException"
	errResourceInUse        = "ResourceInUseException"
	errResourceNotFound     = "ResourceNotFoundException"
	errSerialization        = awsjson.TypeSerialization
	errUnknownOperation     = awsjson.TypeUnknownOperation
	errValidation           = awsjson.TypeValidation
	errInternalFailureEvent = "InternalFailureException" // the event stream's name for it
)

func validationError(format string, args ...any) *awsjson.Error {
	return awsjson.NewError(errValidation, "1 validation error detected: "+format, args...)
}

// mapError maps the engine's sentinels to what the client sees. The
// operations have already turned the errors they can describe better (a
// stream or shard not found, a split or merge refused) into *awsjson.Error in
// Kinesis's words; awsjson handles those, a canceled request, and the rest
// as InternalFailure. What reaches here keeps the engine's explanation
// without the engine's prefix ("invalid argument: "), which clients would
// take for Kinesis's wording.
func mapError(err error) *awsjson.Error {
	for _, m := range []struct {
		sentinel error
		typ      string
	}{
		{shards.ErrNotFound, errResourceNotFound},
		{shards.ErrExists, errResourceInUse},
		{shards.ErrInvalidArgument, errInvalidArgument},
		{shards.ErrShardClosed, errInvalidArgument},
		{shards.ErrLimitExceeded, errLimitExceeded},
	} {
		if errors.Is(err, m.sentinel) {
			return awsjson.NewError(m.typ, "%s", engineMessage(err, m.sentinel))
		}
	}
	if errors.Is(err, shards.ErrStreamFull) {
		return awsjson.NewError(errThroughputExceeded, "%s; retry with backoff", engineMessage(err, shards.ErrStreamFull))
	}
	if errors.Is(err, shards.ErrDiskFull) {
		return awsjson.NewError(errThroughputExceeded, "%s", diskFullMessage(err))
	}
	return nil
}

// diskFullMessage is a refusal for want of disk space as the disk guard
// words it ("data directory full: N bytes free, reserve M"), without what
// the layers it came through put before it.
func diskFullMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, shards.ErrDiskFull.Error()); i > 0 {
		msg = msg[i:]
	}
	return msg
}

// engineMessage is err's text after the sentinel's own ("invalid argument:
// target shard count …" → "Target shard count …"), or the sentinel's text
// alone, capitalized, when nothing follows it.
func engineMessage(err, sentinel error) string {
	msg := err.Error()
	if i := strings.Index(msg, sentinel.Error()+": "); i >= 0 {
		msg = msg[i+len(sentinel.Error())+2:]
	} else if strings.HasSuffix(msg, sentinel.Error()) {
		msg = sentinel.Error()
	}
	if r, n := utf8.DecodeRuneInString(msg); n > 0 {
		msg = string(unicode.ToUpper(r)) + msg[n:]
	}
	return msg
}
