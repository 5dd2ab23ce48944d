package uplink

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// item is a record read for a batch, with the shard it came from. It is
// kept small — a batch of 200-byte records holds tens of thousands — so the
// sequence number is formatted when needed, not stored.
type item struct {
	st  *shardState
	rec shards.Record
}

func (it *item) stream() string  { return it.st.src.name }
func (it *item) shardID() string { return it.st.id }
func (it *item) seq() string     { return it.rec.SequenceNumber() }

// pendingBatch is a batch between the reader and the sender.
type pendingBatch struct {
	id      string
	created time.Time
	items   []item
	// bytes is what the records count against the buffer size (sizeOf).
	bytes int
	// replay: this is the batch that was in flight when the gateway
	// stopped, rebuilt; its records may be at the destination already.
	replay bool
	// mark is the batch's in-flight marker, set by the sender.
	mark *inflight
}

// refreshEvery bounds how long a reader waits before it looks for shards a
// reshard created, in case it slept through the change.
const refreshEvery = 5 * time.Second

// readLoop builds batches by the buffering hints and hands them to the
// sender: the next batch is built while one is sent, so memory stays bounded
// by about two buffers whatever the backlog.
func (d *delivery) readLoop(ctx context.Context, srcs []*source, replay *inflight, out chan<- *pendingBatch) error {
	if replay != nil {
		b, err := d.replayBatch(srcs, replay)
		if err != nil {
			return err
		}
		if len(b.items) > 0 {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	avg := 256
	for {
		b := &pendingBatch{}
		var deadline time.Time
		for {
			changed := make([]<-chan struct{}, len(srcs))
			for i, s := range srcs {
				changed[i] = s.stream.Changed()
			}
			more, full, err := d.fill(b, srcs, &avg)
			if err != nil {
				return err
			}
			if full {
				break
			}
			if len(b.items) > 0 {
				if deadline.IsZero() {
					deadline = time.Now().Add(d.spec.BufferInterval)
				}
				if !time.Now().Before(deadline) {
					break
				}
			}
			if more {
				continue
			}
			if err := waitAny(ctx, changed, deadline); err != nil {
				return err
			}
			for _, s := range srcs {
				s.refresh()
			}
		}
		b.id, b.created = newBatchID(), time.Now()
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fill reads from every active shard without blocking until the batch is
// full or every shard is caught up; more reports that some shard has more.
// A batch is full when it holds BufferSize bytes or the next record would
// take it past them.
func (d *delivery) fill(b *pendingBatch, srcs []*source, avg *int) (more, full bool, err error) {
	for _, src := range srcs {
		for _, st := range append([]*shardState(nil), src.active...) {
			room := d.spec.BufferSize - int64(b.bytes)
			if room <= 0 {
				return true, true, nil
			}
			limit := int(min(max(room/int64(*avg), 1), shards.MaxRecordsPerRead))
			res, err := src.stream.Read(st.cursor, limit)
			if err != nil {
				if errors.Is(err, shards.ErrNotFound) || errors.Is(err, shards.ErrInvalidArgument) {
					src.finish(st) // the shard is gone (deleted with its stream, or recreated)
					continue
				}
				return false, false, fmt.Errorf("uplink: delivery %q: read %s/%s: %w", d.spec.Name, src.name, st.info.ShardID, err)
			}
			n, kept := 0, len(res.Records)
			for i := range res.Records {
				r := res.Records[i]
				size := d.sizeOf(src.name, &r)
				if len(b.items) > 0 && int64(b.bytes+n+size) > d.spec.BufferSize {
					kept = i // the batch is full: the rest waits for the next one
					break
				}
				b.items = append(b.items, item{st: st, rec: r})
				n += size
			}
			b.bytes += n
			if kept > 0 {
				*avg = max(n/kept, 1)
			}
			if kept < len(res.Records) {
				c, err := src.stream.Iterator(st.info.ShardID, shards.AtSequenceNumber, res.Records[kept].SequenceNumber(), time.Time{})
				if err != nil {
					return false, false, err
				}
				st.cursor = c
				return true, true, nil
			}
			st.cursor = res.Next
			if res.Closed && len(res.Records) == 0 {
				src.finish(st)
				more = true // children may have records
				continue
			}
			if len(res.Records) == limit || res.Closed {
				more = true
			}
		}
	}
	return more, int64(b.bytes) >= d.spec.BufferSize, nil
}

// sizeOf is what a record counts against the buffer size: the bytes the
// destination will receive for it, before a transform (formattedSize). It
// is also what bounds a batch's memory.
func (d *delivery) sizeOf(stream string, r *shards.Record) int {
	return formattedSize(d.spec.Format, stream, r.PartitionKey, r.Data)
}

// replayBatch rebuilds the batch named by an in-flight marker: from each
// shard it names, in shard creation order (parents first), the records from
// its first to its last sequence number — whatever the checkpoints say, since
// a stop between two shards' checkpoints leaves some of them past the batch
// and the batch must come back whole under its ID (an object rewritten with a
// part of its records would lose the rest). The shards' read cursors move
// past the batch.
func (d *delivery) replayBatch(srcs []*source, in *inflight) (*pendingBatch, error) {
	b := &pendingBatch{id: in.ID, created: in.Created, replay: true}
	for _, src := range srcs {
		for _, info := range src.stream.Shards() {
			shardID := info.ShardID
			last, ok := in.Last[src.name][shardID]
			if !ok {
				continue
			}
			st := src.shards[shardID]
			if st == nil {
				continue
			}
			first := in.First[src.name][shardID]
			if first == "" {
				first = last // a marker written before markers had First
			}
			c, err := src.stream.Iterator(shardID, shards.AtSequenceNumber, first, time.Time{})
			if err != nil {
				return nil, fmt.Errorf("uplink: delivery %q: replay %s/%s: %w", d.spec.Name, src.name, shardID, err)
			}
			for done := false; !done; {
				res, err := src.stream.Read(c, shards.MaxRecordsPerRead)
				if err != nil {
					return nil, fmt.Errorf("uplink: delivery %q: replay %s/%s: %w", d.spec.Name, src.name, shardID, err)
				}
				if len(res.Records) == 0 {
					break
				}
				for i := range res.Records {
					r := res.Records[i]
					if r.SequenceNumber() > last {
						done = true
						break
					}
					b.items = append(b.items, item{st: st, rec: r})
					b.bytes += d.sizeOf(src.name, &r)
				}
				c = res.Next
			}
			if st.reading {
				after, err := src.stream.Iterator(shardID, shards.AfterSequenceNumber, last, time.Time{})
				if err == nil && after.Pos > st.cursor.Pos {
					st.cursor = after
				}
			}
		}
	}
	return b, nil
}

// waitAny blocks until a stream changes, the deadline (if set) passes, a
// refresh is due, or ctx ends.
func waitAny(ctx context.Context, changed []<-chan struct{}, deadline time.Time) error {
	wait := refreshEvery
	if !deadline.IsZero() {
		wait = min(wait, time.Until(deadline))
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	cases := make([]reflect.SelectCase, 0, len(changed)+2)
	cases = append(cases,
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(t.C)})
	for _, c := range changed {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)})
	}
	if i, _, _ := reflect.Select(cases); i == 0 {
		return ctx.Err()
	}
	return nil
}
