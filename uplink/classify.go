package uplink

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// Classify marks a transport error as Unreachable when it says the
// destination could not be reached or the connection broke (refused, reset,
// no route, DNS, timeout, unexpected EOF), and returns other errors as they
// are. A connection that broke after it was made (reset, timeout, EOF) is
// also MaybeDelivered: the request may have arrived. One that never was
// (refused, no route, DNS, a failed dial) is not. Sinks call it on the
// errors of their network clients.
func Classify(err error) error {
	if err == nil || IsUnreachable(err) {
		return err
	}
	if _, ok := IsPermanent(err); ok {
		return err
	}
	var ne net.Error
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &dns), errors.As(err, &op) && op.Op == "dial":
		return Unreachable(err)
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ETIMEDOUT),
		op != nil,
		errors.As(err, &ne) && ne.Timeout():
		return MaybeDelivered(Unreachable(err))
	}
	return err
}
