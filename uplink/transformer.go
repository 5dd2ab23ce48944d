package uplink

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// transformBatch runs the delivery's transform over a batch and returns the
// records to send with their new data. Dropped records are counted (they
// are checkpointed with the batch); failed ones go to the dead-letter
// stream. A transform that cannot run is retried like a destination, and
// when the retry duration runs out its records are dead-lettered as
// processing-failed.
func (d *delivery) transformBatch(ctx context.Context, items []item) ([]item, [][]byte, error) {
	in := make([]TransformRecord, len(items))
	for i := range items {
		it := &items[i]
		in[i] = TransformRecord{
			RecordID: strconv.Itoa(i), Data: it.rec.Data, Stream: it.stream(), ShardID: it.shardID(),
			Sequence: it.seq(), PartitionKey: it.rec.PartitionKey, Arrival: it.rec.ArrivalTime,
		}
	}
	var out []TransformResult
	refused := time.Duration(0)
	for attempt := 1; ; attempt++ {
		var err error
		out, err = d.transform.Transform(ctx, d.spec.Name, in)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err == nil {
			break
		}
		if refused >= d.spec.RetryDuration {
			f := failure{code: "Transform.Failed", message: fmt.Sprintf("retry duration %s exceeded: %v", d.spec.RetryDuration, err), outputType: "processing-failed", attempts: attempt}
			return nil, nil, d.deadLetter(ctx, items, f)
		}
		d.setState(StateFailing, fmt.Errorf("transform: %w", err))
		wait := backoff(attempt)
		d.count(func(s *Status) { s.Retries++; s.NextAttempt = time.Now().Add(wait) })
		d.log.Warn("transform failed; retrying", "attempt", attempt, "retry_in", wait.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
		refused += wait
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
	failed := map[string][]item{}
	var reasons []string
	var dropped int64
	for i, r := range results {
		switch {
		case r != nil && r.Result == ResultOk:
			keep = append(keep, items[i])
			data = append(data, r.Data)
		case r != nil && r.Result == ResultDropped:
			dropped++
		default:
			why := "the transform returned no result for the record"
			if r != nil {
				why = "the transform returned ProcessingFailed"
				if r.Message != "" {
					why = r.Message
				}
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
		f := failure{code: "Transform.ProcessingFailed", message: why, outputType: "processing-failed", attempts: 1}
		if err := d.deadLetter(ctx, failed[why], f); err != nil {
			return nil, nil, err
		}
	}
	return keep, data, nil
}
