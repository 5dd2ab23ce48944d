package firehose

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
	"github.com/tidegate/tidegate/uplink/putrecords"
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
			err = awsclient.Classify(err, permanentCodes)
			if delivered == 0 && len(failed) == 0 && putrecords.Whole(err, len(p.calls)-ci-1) {
				return err
			}
			code := awsclient.ErrorCode(err)
			failed = append(failed, putrecords.Failed(code, err, call)...)
			failed = append(failed, putrecords.Unsent(code, err, p.calls[ci+1:]...)...)
			break
		}
		delivered += len(call) - len(refused)
		failed = append(failed, refused...)
	}
	return putrecords.Outcome(failed, p.refused)
}
