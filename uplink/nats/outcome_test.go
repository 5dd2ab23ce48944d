package nats

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
)

func TestClassify(t *testing.T) {
	storeFull := &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum messages exceeded"}
	tooBig := &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamMessageExceedsMaximum, Description: "message size exceeds maximum allowed"}
	for _, tc := range []struct {
		err  error
		code string
		kind kind
	}{
		{jetstream.ErrNoStreamResponse, CodeNoStream, permanent},
		{nats.ErrNoResponders, CodeNoStream, permanent},
		{nats.ErrMaxPayload, CodeMaxPayload, permanent},
		{fmt.Errorf("nats: %w", tooBig), "NATS.JetStream.10054", permanent},
		{storeFull, "NATS.JetStream.10077", transient},
		{jetstream.ErrAsyncPublishTimeout, CodeUnreachable, unreachable},
		{nats.ErrDisconnected, CodeUnreachable, unreachable},
		{nats.ErrReconnectBufExceeded, CodeUnreachable, unreachable},
		{context.DeadlineExceeded, CodeUnreachable, unreachable},
		{jetstream.ErrTooManyStalledMsgs, CodePublishFailed, transient},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			code, k := classify(tc.err)
			if code != tc.code || k != tc.kind {
				t.Fatalf("classify = %q, %d; want %q, %d", code, k, tc.code, tc.kind)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	noStream, timeout, stalled := jetstream.ErrNoStreamResponse, jetstream.ErrAsyncPublishTimeout, jetstream.ErrTooManyStalledMsgs
	subjects := []string{"s.0", "s.1", "s.2", "s.3"}
	for _, tc := range []struct {
		name        string
		errs        []error
		permanent   string
		unreachable bool
		partial     []int
		partialPerm bool
	}{
		{name: "all delivered", errs: []error{nil, nil}},
		{name: "no stream", errs: []error{noStream, noStream}, permanent: CodeNoStream},
		{name: "all timed out", errs: []error{timeout, timeout}, unreachable: true},
		{name: "one without stream", errs: []error{nil, noStream, nil}, partial: []int{1}, partialPerm: true},
		{name: "two permanent codes", errs: []error{noStream, nats.ErrMaxPayload}, partial: []int{0, 1}, partialPerm: true},
		{name: "mixed", errs: []error{noStream, nil, timeout, stalled}, partial: []int{0, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := outcome(subjects[:len(tc.errs)], tc.errs)
			code, perm := uplink.IsPermanent(err)
			var pe *uplink.PartialError
			switch {
			case tc.permanent != "":
				if !perm || code != tc.permanent || !strings.Contains(err.Error(), `subject "s.0"`) {
					t.Fatalf("outcome: %v, want permanent %s naming the subject", err, tc.permanent)
				}
			case tc.unreachable:
				if !uplink.IsUnreachable(err) {
					t.Fatalf("outcome: %v, want unreachable", err)
				}
			case tc.partial != nil:
				if !errors.As(err, &pe) || pe.Permanent != tc.partialPerm || len(pe.Failed) != len(tc.partial) {
					t.Fatalf("outcome: %#v, want partial %v permanent=%v", err, tc.partial, tc.partialPerm)
				}
				for i, f := range pe.Failed {
					if f.Index != tc.partial[i] || f.Code == "" || f.Message == "" {
						t.Fatalf("failed record %d: %+v, want index %d with code and message", i, f, tc.partial[i])
					}
				}
			case err != nil:
				t.Fatalf("outcome: %v, want nil", err)
			}
		})
	}
}
