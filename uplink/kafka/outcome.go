package kafka

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tidegate/tidegate/uplink"
)

// kind is what a failed record's error means for the delivery.
type kind int

const (
	transient   kind = iota // retry, counting against the retry duration
	unreachable             // wait for the brokers, however long
	permanent               // dead-letter: Kafka will never take it
)

// permanentCodes are the broker answers that retrying cannot change: the
// topic is missing (auto-creation is not asked for), the producer may not
// write, or the record can never fit.
var permanentCodes = []*kerr.Error{
	kerr.UnknownTopicOrPartition,
	kerr.UnknownTopicID,
	kerr.InvalidTopicException,
	kerr.TopicAuthorizationFailed,
	kerr.ClusterAuthorizationFailed, // idempotent writes need IDEMPOTENT_WRITE before Kafka 3.0
	kerr.MessageTooLarge,
	kerr.RecordListTooLarge,
	kerr.InvalidRecord,
	kerr.UnsupportedForMessageFormat,
	kerr.UnsupportedCompressionType,
}

// classify returns the error code the delivery records for a failed record
// (Firehose style, "Kafka.<KAFKA_ERROR>") and what the failure means.
func classify(err error) (string, kind) {
	// A timed-out record wraps its last error: a missing topic stays
	// permanent even when the client gave up by the clock.
	var ke *kerr.Error
	if errors.As(err, &ke) {
		for _, p := range permanentCodes {
			if ke == p {
				return "Kafka." + ke.Message, permanent
			}
		}
	}
	if errors.Is(err, kgo.ErrRecordTimeout) {
		return "Kafka.Unreachable", unreachable
	}
	if uplink.IsUnreachable(uplink.Classify(err)) {
		return "Kafka.Unreachable", unreachable
	}
	if ke != nil {
		return "Kafka." + ke.Message, transient
	}
	return "Kafka.ProduceFailed", transient
}

// outcome turns the per-record results of a produce into what Send
// returns: nil when every record was acknowledged; the whole batch marked
// Permanent (with one error code) or Unreachable when every record failed
// that way; a *uplink.PartialError otherwise, Permanent only when every
// failure is.
func outcome(topic string, errs []error) error {
	var failures []uplink.Failure
	for i, err := range errs {
		if err == nil {
			continue
		}
		code, k := classify(err)
		failures = append(failures, uplink.Failure{Index: i, Code: code, Err: err, Permanent: k == permanent, Unreachable: k == unreachable})
	}
	return uplink.Outcome(len(errs), failures, func(first error) error {
		return fmt.Errorf("kafka: produce %d records to topic %q: %d failed, first: %w", len(errs), topic, len(failures), first)
	})
}
