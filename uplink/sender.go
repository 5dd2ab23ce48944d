package uplink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// sendLoop delivers the reader's batches one at a time: mark in flight,
// transform, format, send (retrying), dead-letter what fails for good,
// checkpoint, clear the mark.
//
// replay is the marker of the batch that was in flight at the last stop
// (nil: none); the rebuilt batch keeps it, with what it says of the batch's
// dead-letters.
func (d *delivery) sendLoop(ctx context.Context, in <-chan *pendingBatch, replay *inflight) error {
	for {
		var b *pendingBatch
		select {
		case b = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := d.waitUnpaused(ctx); err != nil {
			return err
		}
		if !b.replay || replay == nil {
			first, last := seqBounds(b.items)
			b.mark = &inflight{ID: b.id, Created: b.created, First: first, Last: last}
			d.saveMark(b)
		} else {
			b.mark = replay
			d.count(func(s *Status) { s.Redelivered += int64(len(b.items)) })
			d.log.Info("re-sending the batch that was in flight at the last stop; the destination may have it already", "records", len(b.items), "batch", b.id)
		}
		if err := d.deliver(ctx, b); err != nil {
			return err
		}
		if err := d.checkpoint(ctx, b); err != nil {
			return err
		}
		clearInflight(d.m.Dir, d.spec.Name)
		// The batch is done, delivered or dead-lettered: whatever failed
		// before, the delivery is delivering again.
		d.setState(StateDelivering, nil)
		d.saveCounters(false)
	}
}

// saveMark writes b's in-flight marker down.
func (d *delivery) saveMark(b *pendingBatch) {
	if err := saveInflight(d.m.Dir, d.spec.Name, b.mark); err != nil {
		d.log.Warn("in-flight marker not written; duplicates after a crash will go uncounted", "err", err)
	}
}

// lastSeqs maps stream → shard → the last sequence number among items.
func lastSeqs(items []item) map[string]map[string]string {
	_, last := seqBounds(items)
	return last
}

// seqBounds maps stream → shard → the first and the last sequence numbers
// among items. A shard's items are in order.
func seqBounds(items []item) (first, last map[string]map[string]string) {
	first, last = map[string]map[string]string{}, map[string]map[string]string{}
	put := func(out map[string]map[string]string, it *item) {
		m := out[it.stream()]
		if m == nil {
			m = map[string]string{}
			out[it.stream()] = m
		}
		m[it.shardID()] = it.seq()
	}
	seen := map[*shardState]bool{}
	for i := len(items) - 1; i >= 0; i-- {
		if it := &items[i]; !seen[it.st] {
			seen[it.st] = true
			put(last, it)
		}
	}
	clear(seen)
	for i := range items {
		if it := &items[i]; !seen[it.st] {
			seen[it.st] = true
			put(first, it)
		}
	}
	return first, last
}

// deliver gets every record of b to the destination or the dead-letter
// stream; it returns only an error of ctx.
func (d *delivery) deliver(ctx context.Context, b *pendingBatch) error {
	items := b.items
	data := make([][]byte, len(items))
	for i := range items {
		data[i] = items[i].rec.Data
	}
	if d.transform != nil {
		var err error
		if items, data, err = d.transformBatch(ctx, b, b.items); err != nil {
			return err
		}
	}
	if len(items) == 0 {
		return nil
	}
	out := &Batch{ID: b.id, Delivery: d.spec.Name, Created: b.created, Records: make([]Record, len(items))}
	var arena []byte
	if d.spec.Format == FormatJSON {
		arena = make([]byte, 0, b.bytes) // sizeOf counted each line, at most (before a transform)
	}
	for i := range items {
		it := &items[i]
		r := &out.Records[i]
		*r = Record{Stream: it.stream(), ShardID: it.shardID(), Sequence: it.seq(), PartitionKey: it.rec.PartitionKey, Arrival: it.rec.ArrivalTime}
		if d.spec.Format == FormatJSON {
			start := len(arena)
			arena = appendFormatted(arena, FormatJSON, r, data[i])
			r.Data = arena[start:len(arena):len(arena)]
		} else {
			r.Data = data[i]
		}
		out.Bytes += len(r.Data)
	}
	return d.send(ctx, b, out, items)
}

// send retries a batch by the error classes of the package documentation.
// The retry duration counts only the time the destination spent refusing,
// not the time it was out of reach.
//
// Records retried after a failure that may have delivered them all the
// same (MaybeDelivered) are counted as redelivered when they go again.
func (d *delivery) send(ctx context.Context, pb *pendingBatch, b *Batch, items []item) error {
	refused := time.Duration(0)
	redeliver := 0
	for attempt := 1; ; attempt++ {
		if err := d.waitUnpaused(ctx); err != nil {
			return err
		}
		if redeliver > 0 {
			n := int64(redeliver)
			d.count(func(s *Status) { s.Redelivered += n })
			redeliver = 0
		}
		err := d.attempt(ctx, b)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			d.delivered(b)
			return nil
		}
		var pe *PartialError
		switch {
		case errors.As(err, &pe):
			failed := make([]bool, len(b.Records))
			maybe := 0
			for _, f := range pe.Failed {
				if f.Index >= 0 && f.Index < len(b.Records) && !failed[f.Index] {
					failed[f.Index] = true
					if f.MaybeDelivered {
						maybe++
					}
				}
			}
			ok := &Batch{ID: b.ID, Delivery: b.Delivery, Created: b.Created}
			rest := &Batch{ID: b.ID + "-" + strconv.Itoa(attempt), Delivery: b.Delivery, Created: b.Created}
			var restItems []item
			for i := range b.Records {
				if failed[i] {
					rest.Records = append(rest.Records, b.Records[i])
					rest.Bytes += len(b.Records[i].Data)
					restItems = append(restItems, items[i])
				} else {
					ok.Records = append(ok.Records, b.Records[i])
					ok.Bytes += len(b.Records[i].Data)
				}
			}
			d.delivered(ok)
			if pe.Permanent {
				d.noteError(err)
				return d.deadLetterEach(ctx, pb, restItems, pe, len(b.Records), attempt)
			}
			b, items, redeliver = rest, restItems, maybe
			if pe.Unreachable {
				d.setState(StateBackingOff, err)
			} else {
				d.setState(StateFailing, err)
			}
		case isPermanent(err):
			code, _ := IsPermanent(err)
			d.noteError(err)
			return d.deadLetter(ctx, pb, items, failure{code: code, message: err.Error(), outputType: d.outputType(), attempts: attempt})
		case IsUnreachable(err):
			d.setState(StateBackingOff, err)
		default:
			d.setState(StateFailing, err)
		}
		if pe == nil && IsMaybeDelivered(err) {
			redeliver = len(b.Records)
		}
		if len(b.Records) == 0 {
			return nil
		}
		waiting := IsUnreachable(err) || (pe != nil && pe.Unreachable)
		if !waiting && refused >= d.spec.RetryDuration {
			d.noteError(fmt.Errorf("retry duration %s exceeded: %w", d.spec.RetryDuration, err))
			return d.deadLetter(ctx, pb, items, failure{code: errorCode(err), message: fmt.Sprintf("retry duration %s exceeded: %v", d.spec.RetryDuration, err), outputType: d.outputType(), attempts: attempt})
		}
		wait := backoff(attempt)
		d.count(func(s *Status) { s.Retries++; s.NextAttempt = time.Now().Add(wait) })
		d.log.Warn("delivery attempt failed; retrying", "attempt", attempt, "records", len(b.Records), "retry_in", wait.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		if !waiting {
			refused += wait
		}
	}
}

func isPermanent(err error) bool { _, ok := IsPermanent(err); return ok }

// errorCode is the errorCode of an error record for err: the sink's own
// (an error with an ErrorCode method, as the HTTP endpoint's carry the codes
// Firehose uses), else a generic one.
func errorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) && coded.ErrorCode() != "" {
		return coded.ErrorCode()
	}
	if IsUnreachable(err) {
		return "Delivery.Unreachable"
	}
	return "Delivery.Failed"
}

// outputType names the failure for an error output prefix, as Firehose does
// per destination.
func (d *delivery) outputType() string { return errorOutputType(d.spec.DestinationType) }

// deadLetterEach dead-letters the records a PartialError refused for good,
// grouped by error code and message. The records are the failed ones of the
// attempt in index order, so they pair with the failures sorted by index.
func (d *delivery) deadLetterEach(ctx context.Context, pb *pendingBatch, items []item, pe *PartialError, n, attempts int) error {
	var order []failure
	groups := map[failure][]item{}
	for j, f := range sortedFailures(pe, n) {
		if j >= len(items) {
			break
		}
		key := failure{code: f.Code, message: f.Message, outputType: d.outputType(), attempts: attempts}
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], items[j])
	}
	for _, f := range order {
		if err := d.deadLetter(ctx, pb, groups[f], f); err != nil {
			return err
		}
	}
	return nil
}

// sortedFailures returns pe's failures within [0, n), one per index, by
// index.
func sortedFailures(pe *PartialError, n int) []RecordError {
	seen := make(map[int]bool, len(pe.Failed))
	out := make([]RecordError, 0, len(pe.Failed))
	for _, f := range pe.Failed {
		if f.Index >= 0 && f.Index < n && !seen[f.Index] {
			seen[f.Index] = true
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b RecordError) int { return a.Index - b.Index })
	return out
}

// attempt sends once, within the priority gate and the bandwidth cap.
func (d *delivery) attempt(ctx context.Context, b *Batch) error {
	return d.gated(ctx, b.Bytes, func() error { return d.sink.Send(ctx, b) })
}

// gated runs a write of size bytes to the destination within the priority
// gate and the bandwidth cap.
func (d *delivery) gated(ctx context.Context, size int, write func() error) error {
	if d.limiter != nil {
		for left := size; left > 0; {
			n := min(left, d.limiter.Burst())
			if err := d.limiter.WaitN(ctx, n); err != nil {
				return err
			}
			left -= n
		}
	}
	if err := d.m.gate.acquire(ctx, d.spec.Priority); err != nil {
		return err
	}
	defer d.m.gate.release()
	return write()
}

func (d *delivery) delivered(b *Batch) {
	if len(b.Records) == 0 {
		return
	}
	d.mu.Lock()
	d.status.RecordsDelivered += int64(len(b.Records))
	d.status.BytesDelivered += int64(b.Bytes)
	d.status.Batches++
	d.status.LastDelivery = time.Now()
	d.status.NextAttempt = time.Time{}
	d.mu.Unlock()
	d.setState(StateDelivering, nil)
}

// checkpoint records, per shard, the last record of the batch, all shards
// at once (they share an fsync). A failing checkpoint (the disk) is retried:
// going on without it would resend the batch after a restart, not lose it.
func (d *delivery) checkpoint(ctx context.Context, b *pendingBatch) error {
	last := lastSeqs(b.items)
	for attempt := 1; ; attempt++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		for _, src := range d.srcs {
			for shard, seq := range last[src.name] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := src.stream.Checkpoint(src.consumer, shard, seq); err != nil {
						mu.Lock()
						firstErr = errors.Join(firstErr, err)
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		if firstErr == nil {
			break
		}
		d.noteError(fmt.Errorf("checkpoint: %w", firstErr))
		d.log.Error("checkpoint failed; retrying", "err", firstErr)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
	d.mu.Lock()
	for stream, m := range last {
		p := d.status.Positions[stream]
		if p == nil {
			p = map[string]string{}
			d.status.Positions[stream] = p
		}
		for shard, seq := range m {
			p[shard] = seq
		}
	}
	d.mu.Unlock()
	return nil
}
