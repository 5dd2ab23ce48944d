package uplink

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the package.
var (
	// ErrConfig marks an invalid delivery configuration.
	ErrConfig = errors.New("uplink: invalid configuration")
	// ErrNotFound: no delivery of that name.
	ErrNotFound = errors.New("uplink: delivery not found")
	// ErrExists: a delivery of that name exists.
	ErrExists = errors.New("uplink: delivery exists")
	// ErrClosed: the manager is closed.
	ErrClosed = errors.New("uplink: closed")
)

// RecordError is why a destination refused one record of a batch.
type RecordError struct {
	// Index is the record's index in Batch.Records.
	Index int
	// Code and Message are the destination's error code and message, as
	// Firehose reports them in an error record (errorCode, errorMessage).
	Code    string
	Message string
	// MaybeDelivered: the destination may hold the record although it
	// failed (see MaybeDelivered); a retry of it is counted as redelivered.
	MaybeDelivered bool
}

// PartialError says that some records of a batch failed and the others were
// delivered. The failed ones are retried (or, when Permanent is set, dead-
// lettered at once).
type PartialError struct {
	Failed []RecordError
	// Permanent: the destination will never take these records.
	Permanent bool
	// Unreachable: they failed because the destination went out of reach
	// mid-batch; their retries, like an Unreachable error's, do not count
	// against the retry duration.
	Unreachable bool
}

// ErrorCode is the code of the first failure, which the records that fail
// for good after the retry duration carry.
func (e *PartialError) ErrorCode() string {
	if len(e.Failed) == 0 {
		return ""
	}
	return e.Failed[0].Code
}

func (e *PartialError) Error() string {
	if len(e.Failed) == 0 {
		return "uplink: no record failed"
	}
	f := e.Failed[0]
	var b strings.Builder
	fmt.Fprintf(&b, "uplink: %d records failed", len(e.Failed))
	if f.Code != "" || f.Message != "" {
		fmt.Fprintf(&b, " (first: %s: %s)", f.Code, f.Message)
	}
	return b.String()
}

type markedError struct {
	err  error
	kind errorKind
	code string
}

type errorKind int

const (
	kindPermanent errorKind = iota + 1
	kindUnreachable
)

func (e *markedError) Error() string { return e.err.Error() }
func (e *markedError) Unwrap() error { return e.err }

// Permanent marks err as a refusal that retrying cannot change (an HTTP 413,
// a missing bucket, an access denial): the batch goes to the dead-letter
// stream with code as errorCode.
func Permanent(code string, err error) error {
	if err == nil {
		return nil
	}
	return &markedError{err: err, kind: kindPermanent, code: code}
}

// Unreachable marks err as the destination being out of reach (no route,
// connection refused, timeout, DNS): the batch waits and is retried without
// counting against the retry duration.
func Unreachable(err error) error {
	if err == nil {
		return nil
	}
	return &markedError{err: err, kind: kindUnreachable}
}

// IsPermanent reports whether err was marked by Permanent, and its code.
func IsPermanent(err error) (code string, ok bool) {
	var m *markedError
	if errors.As(err, &m) && m.kind == kindPermanent {
		return m.code, true
	}
	return "", false
}

// IsUnreachable reports whether err was marked by Unreachable.
func IsUnreachable(err error) bool {
	var m *markedError
	return errors.As(err, &m) && m.kind == kindUnreachable
}

// maybeDeliveredError is a failure that leaves the records' fate unknown.
// It is a type of its own, not a kind of markedError, so that an error can
// be both Unreachable and MaybeDelivered: errors.As finds the first
// markedError in a chain and would miss the other mark.
type maybeDeliveredError struct{ err error }

func (e *maybeDeliveredError) Error() string { return e.err.Error() }
func (e *maybeDeliveredError) Unwrap() error { return e.err }

// MaybeDelivered marks err as a failure after which the destination may
// hold the records all the same: the request went out and no answer came
// back (a connection cut, a timeout), or the answer was neither a success
// nor a refusal (a 5xx). The records are retried as err says otherwise;
// the retry is counted in Status.Redelivered, since a destination that
// does not deduplicate then holds them twice.
func MaybeDelivered(err error) error {
	if err == nil || IsMaybeDelivered(err) {
		return err
	}
	return &maybeDeliveredError{err: err}
}

// IsMaybeDelivered reports whether err was marked by MaybeDelivered.
func IsMaybeDelivered(err error) bool {
	var m *maybeDeliveredError
	return errors.As(err, &m)
}
