package firehose

import (
	"cmp"
	"context"
	"slices"

	"github.com/tidegate/tidegate/uplink"
)

// Send writes b with PutRecordBatch calls made one after another.
//
// A call that fails as a whole ends the batch: when nothing was sent yet
// its error is returned, marked for the engine; otherwise the records not
// delivered are returned in a retryable *uplink.PartialError, so that the
// delivered ones are not sent twice.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	p := makePlan(b.Records)
	var failed []uplink.RecordError
	delivered := 0
	for ci, call := range p.calls {
		refused, err := s.put(ctx, b.Records, call)
		if err != nil {
			err = classify(err)
			if delivered == 0 && len(failed) == 0 {
				return err
			}
			failed = append(failed, unsent(err, p.calls[ci:])...)
			break
		}
		delivered += len(call) - len(refused)
		failed = append(failed, refused...)
	}
	return outcome(failed, p.refused)
}

// unsent lists the records of the failed call and of the calls after it.
func unsent(err error, calls [][]int) []uplink.RecordError {
	code := errorCode(err)
	var out []uplink.RecordError
	for _, call := range calls {
		for _, i := range call {
			out = append(out, uplink.RecordError{Index: i, Code: code, Message: err.Error()})
		}
	}
	return out
}

// outcome turns what failed into Send's answer. Records Firehose would
// never take are reported permanent only when nothing else failed: a
// PartialError has one Permanent flag, and a retryable failure must not
// send good records to the dead-letter stream. Until then they ride along
// with the retryable ones and are checked again on the next attempt.
func outcome(failed, refused []uplink.RecordError) error {
	switch {
	case len(failed) == 0 && len(refused) == 0:
		return nil
	case len(failed) == 0:
		return &uplink.PartialError{Failed: refused, Permanent: true}
	}
	all := append(failed, refused...)
	slices.SortFunc(all, func(a, b uplink.RecordError) int { return cmp.Compare(a.Index, b.Index) })
	return &uplink.PartialError{Failed: all}
}
