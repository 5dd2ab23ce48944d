// Package ingest is where device readings become durable records. A Writer
// batches the puts of concurrent messages per stream, so that throughput
// does not depend on one fsync per message, and keeps a dead-letter stream
// for what cannot be stored where it was meant to go.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// Batching limits. A batch is sent when it holds MaxBatchRecords or
// MaxBatchBytes, or DefaultLinger after its first put arrived.
const (
	MaxBatchRecords = shards.MaxRecordsPerPut
	MaxBatchBytes   = 4 << 20
	DefaultLinger   = time.Millisecond
	// DefaultDeadLetterStream is where undeliverable messages go.
	DefaultDeadLetterStream = "deadletter"
)

// Store is what a Writer needs of shards.Store.
type Store interface {
	Stream(name string) (*shards.Stream, error)
	CreateStream(name string, cfg shards.StreamConfig) (*shards.Stream, error)
}

var _ Store = (*shards.Store)(nil)

// Options tune a Writer. The zero value is ready to use.
type Options struct {
	// DeadLetterStream defaults to DefaultDeadLetterStream. It is created
	// with one shard when missing.
	DeadLetterStream string
	// Linger is how long a batch waits for more puts; default DefaultLinger.
	Linger time.Duration
	Logger *slog.Logger
	// Clock replaces time.Now in dead-letter records.
	Clock func() time.Time
}

// Stats are a Writer's counters since it was made.
type Stats struct {
	Batches     uint64 // PutRecords calls made
	Records     uint64 // records acknowledged durable
	Refused     uint64 // records of puts that failed
	DeadLetters uint64 // dead-letter records stored
}

// Writer stores readings durably, batching concurrent puts per stream. Safe
// for concurrent use.
type Writer struct {
	store  Store
	dlq    string
	linger time.Duration
	log    *slog.Logger
	now    func() time.Time

	ctx    context.Context // ends the batches' puts at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	streams map[string]*[lanes]*batcher
	closed  bool

	batches, records, refused, deadLetters atomic.Uint64
}

// New makes a Writer over store and makes sure the dead-letter stream exists.
func New(store Store, opts Options) (*Writer, error) {
	if opts.DeadLetterStream == "" {
		opts.DeadLetterStream = DefaultDeadLetterStream
	}
	if opts.Linger <= 0 {
		opts.Linger = DefaultLinger
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Writer{store: store, dlq: opts.DeadLetterStream, linger: opts.Linger, log: opts.Logger,
		now: opts.Clock, streams: map[string]*[lanes]*batcher{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.ensureDeadLetter(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Writer) ensureDeadLetter() error {
	_, err := s.store.CreateStream(s.dlq, shards.StreamConfig{Shards: 1})
	if err != nil && !errors.Is(err, shards.ErrExists) {
		return fmt.Errorf("ingest: dead-letter stream %q: %w", s.dlq, err)
	}
	return nil
}

// DeadLetterStream names the stream dead letters go to.
func (s *Writer) DeadLetterStream() string { return s.dlq }

// Stats returns the counters.
func (s *Writer) Stats() Stats {
	return Stats{Batches: s.batches.Load(), Records: s.records.Load(), Refused: s.refused.Load(), DeadLetters: s.deadLetters.Load()}
}

// Close fails puts still waiting and stops taking new ones. It does not
// close the store.
func (s *Writer) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// ErrClosed: the Writer was closed.
var ErrClosed = errors.New("ingest: writer closed")

// Put stores records in stream and returns once they are durable. Puts of
// concurrent callers to one stream are merged into one PutRecords call;
// each caller gets the result of the call its records went into. More than
// a batch's worth of records is split, so on error some of them may have
// been stored: callers redeliver, and readers see duplicates, never loss.
// The records' Data must not be changed until Put returns.
//
// Errors: shards.ErrNotFound when the stream does not exist;
// shards.ErrStreamFull when it refuses new records; shards.ErrInvalidArgument
// or shards.ErrLimitExceeded when these records can never be stored (a
// bad partition key, a record over the stream's size limit).
func (s *Writer) Put(ctx context.Context, stream string, records []shards.PutEntry) error {
	return s.Enqueue(stream, records)(ctx)
}

// Enqueue queues records for stream and returns at once; the function it
// returns waits until they are durable and gives Put's result. Records of
// one partition key are stored in the order they were enqueued, across
// calls too: a caller that enqueues from one goroutine, in arrival order,
// keeps that order without waiting for each put. The records' Data must
// not be changed until the wait returns.
func (s *Writer) Enqueue(stream string, records []shards.PutEntry) func(context.Context) error {
	if len(records) == 0 {
		return func(context.Context) error { return nil }
	}
	bs, err := s.batchers(stream)
	if err != nil {
		return func(context.Context) error { return err }
	}
	var shares []share
	for lane, recs := range byLane(records) {
		for len(recs) > 0 {
			n, size := 0, 0
			for n < len(recs) && n < MaxBatchRecords {
				sz := len(recs[n].Data) + len(recs[n].PartitionKey)
				if n > 0 && size+sz > MaxBatchBytes {
					break
				}
				size += sz
				n++
			}
			shares = append(shares, bs[lane].add(recs[:n], size))
			recs = recs[n:]
		}
	}
	return func(ctx context.Context) error {
		for _, sh := range shares {
			if err := sh.wait(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// byLane splits records by their partition key's lane, keeping their
// order within each; most puts have one key and need no copy.
func byLane(records []shards.PutEntry) [lanes][]shards.PutEntry {
	var out [lanes][]shards.PutEntry
	first := laneOf(records[0].PartitionKey)
	same := true
	for i := 1; i < len(records) && same; i++ {
		same = records[i].PartitionKey == records[0].PartitionKey || laneOf(records[i].PartitionKey) == first
	}
	if same {
		out[first] = records
		return out
	}
	for _, r := range records {
		l := laneOf(r.PartitionKey)
		out[l] = append(out[l], r)
	}
	return out
}

// batchers returns the stream's batchers, one per lane, making them for a
// stream that exists. Unknown names make none, so hostile topics cannot
// grow the map.
func (s *Writer) batchers(stream string) (*[lanes]*batcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if bs := s.streams[stream]; bs != nil {
		return bs, nil
	}
	if _, err := s.store.Stream(stream); err != nil {
		return nil, err
	}
	bs := new([lanes]*batcher)
	for i := range bs {
		bs[i] = &batcher{writer: s, stream: stream}
	}
	s.streams[stream] = bs
	return bs, nil
}
