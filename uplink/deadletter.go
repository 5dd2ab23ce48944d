package uplink

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
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

// deadLetter stores failed records in the dead-letter stream, retrying
// until it succeeds or ctx ends: records are never dropped silently. When
// the sink keeps error output (S3's error prefix) they go there too, best
// effort.
func (d *delivery) deadLetter(ctx context.Context, b *pendingBatch, items []item, f failure) error {
	if len(items) == 0 {
		return nil
	}
	now := time.Now()
	entries := make([]shards.PutEntry, len(items))
	out := &Batch{ID: newBatchID(), Delivery: d.spec.Name, Created: now, Records: make([]Record, len(items))}
	for i := range items {
		it := &items[i]
		data := appendErrorRecord(nil, d.spec.Name, it, f, now)
		entries[i] = shards.PutEntry{PartitionKey: d.spec.Name, Data: data}
		out.Records[i] = Record{Stream: it.stream(), ShardID: it.shardID(), Sequence: it.seq(), PartitionKey: it.rec.PartitionKey, Arrival: it.rec.ArrivalTime, Data: data}
		out.Bytes += len(data)
	}
	for n := 1; ; n++ {
		err := d.m.putDeadLetter(ctx, d.spec.DeadLetterStream, entries)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.Error("dead-letter stream refused failed records; retrying", "stream", d.spec.DeadLetterStream, "records", len(items), "err", err)
		if err := sleep(ctx, backoff(n)); err != nil {
			return err
		}
	}
	d.count(func(s *Status) { s.DeadLettered += int64(len(items)) })
	d.log.Warn("records dead-lettered", "records", len(items), "code", f.code, "err", f.message, "stream", d.spec.DeadLetterStream)
	if ew, ok := d.sink.(ErrorWriter); ok {
		if err := ew.WriteErrors(ctx, out, f.outputType); err != nil {
			d.log.Warn("error output not written (records are in the dead-letter stream)", "err", err)
		}
	}
	return nil
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
