package uplink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// failure is why records leave a delivery through the dead-letter stream.
type failure struct {
	code, message string
	// outputType is what an ErrorWriter's !{firehose:error-output-type}
	// expands to.
	outputType string
	attempts   int
}

// appendErrorRecord appends one error record in the shape Firehose writes
// under an error output prefix, plus where the record came from.
func appendErrorRecord(dst []byte, delivery string, it *item, f failure, at time.Time) []byte {
	dst = append(dst, `{"attemptsMade":`...)
	dst = strconv.AppendInt(dst, int64(f.attempts), 10)
	dst = append(dst, `,"arrivalTimestamp":`...)
	dst = strconv.AppendInt(dst, millis(it.rec.ArrivalTime), 10)
	dst = append(dst, `,"errorCode":`...)
	dst = appendJSONString(dst, f.code)
	dst = append(dst, `,"errorMessage":`...)
	dst = appendJSONString(dst, f.message)
	dst = append(dst, `,"attemptEndingTimestamp":`...)
	dst = strconv.AppendInt(dst, millis(at), 10)
	dst = append(dst, `,"rawData":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, it.rec.Data)
	dst = append(dst, `","delivery":`...)
	dst = appendJSONString(dst, delivery)
	dst = append(dst, `,"sourceStream":`...)
	dst = appendJSONString(dst, it.stream())
	dst = append(dst, `,"shardId":"`...)
	dst = append(dst, it.shardID()...)
	dst = append(dst, `","sequenceNumber":"`...)
	dst = append(dst, it.seq()...)
	dst = append(dst, `","partitionKey":`...)
	dst = appendJSONString(dst, it.rec.PartitionKey)
	return append(dst, "}\n"...)
}

// deadLetter stores failed records of batch b in the dead-letter stream,
// retrying until it succeeds or ctx ends: records are never dropped
// silently. When the sink keeps error output (S3's error prefix) it is
// written too, retried as a destination write is.
//
// Both are idempotent across a replay of b after a stop: the group is named
// after b and its records (deadLetterID), its error output takes that name
// (the same object is written again), and b's in-flight marker says how far
// the group got, so a replay stores nothing twice in the dead-letter stream.
func (d *delivery) deadLetter(ctx context.Context, b *pendingBatch, items []item, f failure) error {
	if len(items) == 0 {
		return nil
	}
	id := deadLetterID(b.id, f.outputType, items)
	mark := b.mark.DeadLetters[id]
	if mark != nil && !mark.Stored && d.m.deadLettered(d.spec, mark.Since, &items[len(items)-1]) {
		mark.Stored = true
		d.saveMark(b)
	}
	now := time.Now()
	out := &Batch{ID: id, Delivery: d.spec.Name, Created: now, Records: make([]Record, len(items))}
	for i := range items {
		it := &items[i]
		data := appendErrorRecord(nil, d.spec.Name, it, f, now)
		out.Records[i] = Record{Stream: it.stream(), ShardID: it.shardID(), Sequence: it.seq(), PartitionKey: it.rec.PartitionKey, Arrival: it.rec.ArrivalTime, Data: data}
		out.Bytes += len(data)
	}
	if mark != nil && mark.Stored {
		d.log.Info("records dead-lettered before the last stop; not stored again", "records", len(items), "code", f.code)
	} else {
		if mark == nil {
			mark = &deadLetterMark{}
			if b.mark.DeadLetters == nil {
				b.mark.DeadLetters = map[string]*deadLetterMark{}
			}
			b.mark.DeadLetters[id] = mark
		}
		mark.Since = now
		d.saveMark(b)
		if err := d.putDeadLetter(ctx, out); err != nil {
			return err
		}
		mark.Stored = true
		d.saveMark(b)
		d.count(func(s *Status) { s.DeadLettered += int64(len(items)) })
		d.log.Warn("records dead-lettered", "records", len(items), "code", f.code, "err", f.message, "stream", d.spec.DeadLetterStream)
	}
	if ew, ok := d.sink.(ErrorWriter); ok && !mark.Written {
		if err := d.writeErrors(ctx, ew, out, f.outputType); err != nil {
			return err
		}
		mark.Written = true
		d.saveMark(b)
	}
	return nil
}

// deadLetterID names a group of a batch's records dead-lettered together:
// the same records of the same batch, failed for the same kind of reason,
// get the same name after a restart, in whatever order they come (a
// replayed batch holds its records shard after shard, the batch as first
// read interleaves the shards).
func deadLetterID(batchID, outputType string, items []item) string {
	field := func(b []byte, s string) []byte {
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	recs := make([][]byte, len(items))
	for i := range items {
		recs[i] = field(field(field(nil, items[i].stream()), items[i].shardID()), items[i].seq())
	}
	slices.SortFunc(recs, bytes.Compare)
	h := sha256.New()
	h.Write(field(field(nil, batchID), outputType))
	for _, r := range recs {
		h.Write(r)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// putDeadLetter stores the error records of out in the delivery's
// dead-letter stream, retrying until it succeeds or ctx ends.
func (d *delivery) putDeadLetter(ctx context.Context, out *Batch) error {
	entries := make([]shards.PutEntry, len(out.Records))
	for i := range out.Records {
		entries[i] = shards.PutEntry{PartitionKey: d.spec.Name, Data: out.Records[i].Data}
	}
	for n := 1; ; n++ {
		err := d.m.putDeadLetter(ctx, d.spec.DeadLetterStream, entries)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.noteError(fmt.Errorf("dead-letter stream %q: %w", d.spec.DeadLetterStream, err))
		d.log.Error("dead-letter stream refused failed records; retrying", "stream", d.spec.DeadLetterStream, "records", len(entries), "err", err)
		if err := sleep(ctx, backoff(n)); err != nil {
			return err
		}
	}
}

// writeErrors writes error output, a destination write like the batch's:
// retried with backoff, for as long as it takes while the destination is
// unreachable and for the retry duration while it refuses. A permanent
// refusal, or a retry duration run out, gives it up: the records are in
// the dead-letter stream, and the error says so in the status and the log.
func (d *delivery) writeErrors(ctx context.Context, ew ErrorWriter, out *Batch, outputType string) error {
	refused := time.Duration(0)
	for attempt := 1; ; attempt++ {
		err := d.gated(ctx, out.Bytes, func() error { return ew.WriteErrors(ctx, out, outputType) })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			return nil
		}
		err = fmt.Errorf("error output: %w", err)
		unreachable := IsUnreachable(err)
		if _, perm := IsPermanent(err); perm || (!unreachable && refused >= d.spec.RetryDuration) {
			d.noteError(err)
			d.log.Error("error output given up; the records are in the dead-letter stream", "records", len(out.Records), "attempts", attempt, "err", err)
			return nil
		}
		if unreachable {
			d.setState(StateBackingOff, err)
		} else {
			d.setState(StateFailing, err)
		}
		wait := backoff(attempt)
		d.count(func(s *Status) { s.Retries++; s.NextAttempt = time.Now().Add(wait) })
		d.log.Warn("error output not written; retrying", "attempt", attempt, "records", len(out.Records), "retry_in", wait.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		if !unreachable {
			refused += wait
		}
	}
}

// deadLettered reports whether the dead-letter stream holds, from since
// on, the error record of it from this delivery: a put interrupted by a
// stop may have stored its records.
func (m *Manager) deadLettered(spec Spec, since time.Time, it *item) bool {
	s, err := m.Store.Stream(spec.DeadLetterStream)
	if err != nil {
		return false
	}
	// A minute's slack for a clock that stepped back across the restart.
	from := since.Add(-time.Minute)
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.AtTimestamp, "", from)
		if err != nil {
			continue
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil || len(res.Records) == 0 {
				break
			}
			for _, r := range res.Records {
				if r.PartitionKey != spec.Name {
					continue
				}
				var e struct{ SourceStream, ShardID, SequenceNumber string }
				if json.Unmarshal(r.Data, &e) == nil && e.SourceStream == it.stream() && e.ShardID == it.shardID() && e.SequenceNumber == it.seq() {
					return true
				}
			}
			c = res.Next
		}
	}
	return false
}

// putDeadLetter stores entries in the dead-letter stream, creating it when
// it does not exist.
func (m *Manager) putDeadLetter(ctx context.Context, name string, entries []shards.PutEntry) error {
	// Error records carry their record in base64, a third larger.
	s, err := m.streamOrCreate(name, shards.StreamConfig{Shards: 1, MaxRecordSize: shards.MaxMaxRecordSize})
	if err != nil {
		return fmt.Errorf("dead-letter stream %q: %w", name, err)
	}
	err = s.PutAll(ctx, entries)
	if errors.Is(err, shards.ErrInvalidArgument) && s.Config().MaxRecordSize < shards.MaxMaxRecordSize {
		// A dead-letter stream made by someone else, with a smaller
		// record limit than an error record of a large record needs.
		if rerr := s.Reconfigure(func(c *shards.StreamConfig) { c.MaxRecordSize = shards.MaxMaxRecordSize }); rerr == nil {
			err = s.PutAll(ctx, entries)
		}
	}
	return err
}

// streamOrCreate returns the stream name, creating it with cfg when it does
// not exist (the dead-letter and status streams).
func (m *Manager) streamOrCreate(name string, cfg shards.StreamConfig) (*shards.Stream, error) {
	s, err := m.Store.Stream(name)
	if errors.Is(err, shards.ErrNotFound) {
		s, err = m.Store.CreateStream(name, cfg)
		if errors.Is(err, shards.ErrExists) {
			s, err = m.Store.Stream(name)
		}
	}
	return s, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
