package uplink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// transformBatch runs the delivery's transform over a batch and returns the
// records to send with their new data. Dropped records are counted (they
// are checkpointed with the batch); failed ones go to the dead-letter
// stream. A transform that cannot be called is called again, backing off,
// as many times as its retries (3 by default, as Firehose retries a
// Lambda function), then the batch's records are dead-lettered as
// processing-failed: a broken transform does not stall the delivery.
func (d *delivery) transformBatch(ctx context.Context, b *pendingBatch, items []item) ([]item, [][]byte, error) {
	in := make([]TransformRecord, len(items))
	for i := range items {
		it := &items[i]
		in[i] = TransformRecord{
			RecordID: strconv.Itoa(i), Data: it.rec.Data, Stream: it.stream(), ShardID: it.shardID(),
			Sequence: it.seq(), PartitionKey: it.rec.PartitionKey, Arrival: it.rec.ArrivalTime,
		}
	}
	var out []TransformResult
	retries := DefaultTransformRetries
	if r, ok := d.transform.(TransformRetrier); ok {
		retries = r.Retries()
	}
	for attempt := 1; ; attempt++ {
		var err error
		out, err = d.transform.Transform(ctx, d.spec.Name, in)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err == nil {
			break
		}
		d.setState(StateFailing, fmt.Errorf("transform: %w", err))
		if attempt > retries {
			code := CodeFunctionError
			var coded interface{ ErrorCode() string }
			if errors.As(err, &coded) && coded.ErrorCode() != "" {
				code = coded.ErrorCode()
			}
			d.log.Warn("transform failed on every attempt; its records go to the dead-letter stream", "attempts", attempt, "records", len(items), "err", err)
			f := failure{code: code, message: fmt.Sprintf("transform failed %d times: %v", attempt, err), outputType: processingFailed, attempts: attempt}
			return nil, nil, d.deadLetter(ctx, b, items, f)
		}
		wait := backoff(attempt)
		d.count(func(s *Status) { s.Retries++; s.NextAttempt = time.Now().Add(wait) })
		d.log.Warn("transform failed; retrying", "attempt", attempt, "retry_in", wait.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
	results := make([]*TransformResult, len(items))
	for i := range out {
		n, err := strconv.Atoi(out[i].RecordID)
		if err != nil || n < 0 || n >= len(items) || results[n] != nil {
			continue // an id the transform made up, or a second answer: ignored
		}
		results[n] = &out[i]
	}
	var keep []item
	var data [][]byte
	type reason struct{ code, message string }
	failed := map[reason][]item{}
	var reasons []reason
	var dropped int64
	for i, r := range results {
		switch {
		case r != nil && r.Result == ResultOk:
			keep = append(keep, items[i])
			data = append(data, r.Data)
		case r != nil && r.Result == ResultDropped:
			dropped++
		default:
			why := reason{CodeMissingRecordID, "the transform returned no result for the record"}
			if r != nil {
				why = reason{cmp.Or(r.Code, CodeProcessingFailed), cmp.Or(r.Message, "the transform returned ProcessingFailed")}
			}
			if _, ok := failed[why]; !ok {
				reasons = append(reasons, why)
			}
			failed[why] = append(failed[why], items[i])
		}
	}
	if dropped > 0 {
		d.count(func(s *Status) { s.Dropped += dropped })
	}
	for _, why := range reasons {
		f := failure{code: why.code, message: why.message, outputType: processingFailed, attempts: 1}
		if err := d.deadLetter(ctx, b, failed[why], f); err != nil {
			return nil, nil, err
		}
	}
	return keep, data, nil
}

// processingFailed is the error output type of records a transform failed,
// as Firehose names its processing-failed prefix.
const processingFailed = "processing-failed"
