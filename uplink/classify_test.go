package uplink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

// A connection that never was made leaves the records where they were; one
// that broke after the request went out may have delivered them.
func TestClassifyTellsMaybeDelivered(t *testing.T) {
	for _, tc := range []struct {
		name           string
		err            error
		unreachable    bool
		maybeDelivered bool
	}{
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true, false},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, true, false},
		{"dns", &net.DNSError{Err: "no such host", Name: "hub"}, true, false},
		{"no route", fmt.Errorf("post: %w", syscall.EHOSTUNREACH), true, false},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true, true},
		{"eof", fmt.Errorf("read answer: %w", io.ErrUnexpectedEOF), true, true},
		{"timeout", fmt.Errorf("post: %w", context.DeadlineExceeded), true, true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true, true},
		{"refusal", errors.New("403 forbidden"), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.err)
			if !errors.Is(got, tc.err) {
				t.Fatalf("Classify lost the error: %v", got)
			}
			if IsUnreachable(got) != tc.unreachable || IsMaybeDelivered(got) != tc.maybeDelivered {
				t.Errorf("unreachable %v, maybe delivered %v; want %v, %v", IsUnreachable(got), IsMaybeDelivered(got), tc.unreachable, tc.maybeDelivered)
			}
		})
	}
	// The marks stack in either order.
	if err := Permanent("X", MaybeDelivered(errors.New("x"))); !IsMaybeDelivered(err) || !isPermanent(err) {
		t.Error("Permanent over MaybeDelivered lost a mark")
	}
}
