package kafka

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tidegate/tidegate/uplink"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
		kind kind
	}{
		{kerr.MessageTooLarge, "Kafka.MESSAGE_TOO_LARGE", permanent},
		{kerr.TopicAuthorizationFailed, "Kafka.TOPIC_AUTHORIZATION_FAILED", permanent},
		{fmt.Errorf("%w, last err: %w", kgo.ErrRecordTimeout, kerr.UnknownTopicOrPartition), "Kafka.UNKNOWN_TOPIC_OR_PARTITION", permanent},
		{kgo.ErrRecordTimeout, "Kafka.Unreachable", unreachable},
		{fmt.Errorf("no broker acknowledged: %w", context.DeadlineExceeded), "Kafka.Unreachable", unreachable},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "Kafka.Unreachable", unreachable},
		{kerr.NotEnoughReplicas, "Kafka.NOT_ENOUGH_REPLICAS", transient},
		{kgo.ErrRecordRetries, "Kafka.ProduceFailed", transient},
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
	tooBig, timeout, retries := kerr.MessageTooLarge, kgo.ErrRecordTimeout, kgo.ErrRecordRetries
	for _, tc := range []struct {
		name        string
		errs        []error
		permanent   string // the whole batch's code
		unreachable bool
		partial     []int
		partialPerm bool
	}{
		{name: "all delivered", errs: []error{nil, nil}},
		{name: "all too big", errs: []error{tooBig, tooBig}, permanent: "Kafka.MESSAGE_TOO_LARGE"},
		{name: "all timed out", errs: []error{timeout, timeout}, unreachable: true},
		{name: "one too big", errs: []error{nil, tooBig, nil}, partial: []int{1}, partialPerm: true},
		{name: "two permanent codes", errs: []error{tooBig, kerr.InvalidRecord}, partial: []int{0, 1}, partialPerm: true},
		{name: "mixed", errs: []error{tooBig, nil, timeout, retries}, partial: []int{0, 2, 3}},
		{name: "all failed, mixed", errs: []error{timeout, retries}, partial: []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := outcome("t", tc.errs)
			code, perm := uplink.IsPermanent(err)
			var pe *uplink.PartialError
			switch {
			case tc.permanent != "":
				if !perm || code != tc.permanent {
					t.Fatalf("outcome: %v, want permanent %s", err, tc.permanent)
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
