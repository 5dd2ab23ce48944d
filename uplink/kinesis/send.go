package kinesis

import (
	"context"
	"fmt"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
	"github.com/tidegate/tidegate/uplink/putrecords"
)

// Send writes b with PutRecords calls made one after another, so that a
// partition key's records reach the stream in the batch's order.
//
// Order after a failure: a record Kinesis refused is retried later, so the
// records of its partition key in the calls that follow are held back and
// reported failed with it (records of other keys go on). Within one call
// Kinesis may take a key's later record while refusing an earlier one;
// that record is in the stream and is reported delivered, as it is.
//
// A call that fails as a whole ends the batch: when nothing was sent yet
// its error is returned, marked for the engine; otherwise the records not
// delivered are returned in a retryable *uplink.PartialError.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	p := makePlan(b.Records)
	var (
		failed    []uplink.RecordError
		held      = map[string]uplink.RecordError{} // partition key → its first failure
		delivered int
	)
	for ci, call := range p.calls {
		send := make([]int, 0, len(call))
		for _, i := range call {
			if f, ok := held[b.Records[i].PartitionKey]; ok {
				failed = append(failed, holdBack(i, f))
				continue
			}
			send = append(send, i)
		}
		if len(send) == 0 {
			continue
		}
		refused, err := s.put(ctx, b.Records, send)
		if err != nil {
			err = awsclient.Classify(err, permanentCodes)
			if delivered == 0 && len(failed) == 0 && putrecords.Whole(err, len(p.calls)-ci-1) {
				return err
			}
			code := awsclient.ErrorCode(err)
			failed = append(failed, putrecords.Failed(code, err, send)...)
			failed = append(failed, putrecords.Unsent(code, err, p.calls[ci+1:]...)...)
			break
		}
		delivered += len(send) - len(refused)
		for _, f := range refused {
			failed = append(failed, f)
			if _, ok := held[b.Records[f.Index].PartitionKey]; !ok {
				held[b.Records[f.Index].PartitionKey] = f
			}
		}
	}
	return putrecords.Outcome(failed, p.refused)
}

// holdBack is the failure of record i, held back behind f, an earlier
// failed record of its partition key. It carries f's code, so a record
// dead-lettered in the end says what went wrong.
func holdBack(i int, f uplink.RecordError) uplink.RecordError {
	return uplink.RecordError{Index: i, Code: f.Code,
		Message: fmt.Sprintf("kinesis: held back behind record %d of the same partition key: %s", f.Index, f.Message)}
}
