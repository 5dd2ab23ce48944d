package nats

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
)

// kind is what a failed publish means for the delivery.
type kind int

const (
	transient   kind = iota // retry, counting against the retry duration
	unreachable             // wait for the servers, however long
	permanent               // dead-letter: JetStream will never take it
)

// Error codes recorded for failed records, Firehose style.
const (
	CodeNoStream       = "NATS.NoStreamForSubject"
	CodeMaxPayload     = "NATS.MaxPayloadExceeded"
	CodeUnreachable    = "NATS.Unreachable"
	CodePublishFailed  = "NATS.PublishFailed"
	codeJetStreamError = "NATS.JetStream."
)

// classify returns the error code and meaning of a failed publish.
func classify(err error) (string, kind) {
	var api *jetstream.APIError
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return CodeNoStream, permanent
	case errors.Is(err, nats.ErrMaxPayload):
		return CodeMaxPayload, permanent
	case errors.As(err, &api):
		code := codeJetStreamError + strconv.Itoa(int(api.ErrorCode))
		switch api.ErrorCode {
		case jetstream.JSErrCodeStreamMessageExceedsMaximum, jetstream.JSErrCodeStreamNotFound:
			return code, permanent
		}
		return code, transient
	case errors.Is(err, jetstream.ErrAsyncPublishTimeout),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrNoServers),
		errors.Is(err, nats.ErrTimeout),
		uplink.IsUnreachable(uplink.Classify(err)):
		return CodeUnreachable, unreachable
	}
	return CodePublishFailed, transient
}

// outcome turns per-record publish results into what Send returns: nil
// when every record was acknowledged; the whole batch marked Permanent
// (with one error code) or Unreachable when every record failed that way;
// a *uplink.PartialError otherwise, Permanent only when every failure is.
func outcome(subjects []string, errs []error) error {
	var failures []uplink.Failure
	for i, err := range errs {
		if err == nil {
			continue
		}
		code, k := classify(err)
		if code == CodeNoStream {
			err = fmt.Errorf("no JetStream stream captures subject %q: %w", subjects[i], err)
		}
		failures = append(failures, uplink.Failure{Index: i, Code: code, Err: err, Permanent: k == permanent, Unreachable: k == unreachable})
	}
	return uplink.Outcome(len(errs), failures, func(first error) error {
		return fmt.Errorf("nats: publish %d records: all failed, first: %w", len(errs), first)
	})
}
