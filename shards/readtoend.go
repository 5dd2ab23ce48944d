package shards

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// readToEndParallel bounds how many shards ReadToEnd reads at once: each
// read holds up to MaxBytesPerRead of records, and a Pi has little memory.
const readToEndParallel = 8

// ReadTotals is what ReadToEnd read.
type ReadTotals struct {
	Records   int64
	DataBytes int64 // record data, partition keys not included
	// Last maps each shard that held records to the sequence number of the
	// last one read: where a consumer that processed them all checkpoints.
	Last map[string]string
}

// ReadToEnd reads every shard of the stream, as listed when it starts, from
// the trim horizon to its end: a closed shard to its ending sequence
// number, an open one to the last record committed when the reader gets
// there. It is what a benchmark, a self-check or a consumer catching up on
// a backlog needs, so they need not each write the loop.
//
// Shards are read concurrently, a reader per shard as Kinesis consumers
// do (at most readToEndParallel at a time), and a child shard only once its
// parents are read to their end: a partition key's records reach fn in the
// order they were stored even across splits and merges. fn, when not nil,
// gets the records of each read in order; it may be called concurrently for
// different shards, never for the same one. The first error, a read's or
// fn's, stops every reader and is returned naming the shard.
func (s *Stream) ReadToEnd(ctx context.Context, fn func(shardID string, recs []Record) error) (ReadTotals, error) {
	infos := s.Shards()
	done := make(map[string]chan struct{}, len(infos))
	for _, info := range infos {
		done[info.ShardID] = make(chan struct{})
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		sem    = make(chan struct{}, readToEndParallel)
		totals = ReadTotals{Last: map[string]string{}}
	)
	for _, info := range infos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[info.ShardID])
			// A parent gone from the shard map (expired) has nothing to wait for.
			for _, p := range []string{info.ParentShardID, info.AdjacentParentShardID} {
				if ch := done[p]; ch != nil {
					select {
					case <-ch:
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			n, b, last, err := s.readShardToEnd(ctx, info.ShardID, fn)
			if err != nil {
				cancel(fmt.Errorf("shards: stream %q: read shard %s to its end: %w", s.name, info.ShardID, err))
				return
			}
			mu.Lock()
			defer mu.Unlock()
			totals.Records += n
			totals.DataBytes += b
			if last != "" {
				totals.Last[info.ShardID] = last
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return totals, context.Cause(ctx)
	}
	return totals, nil
}

// readShardToEnd reads one shard from its trim horizon until a read stops
// at the tip rather than at a limit, or the shard's end.
func (s *Stream) readShardToEnd(ctx context.Context, shardID string, fn func(string, []Record) error) (n, bytes int64, last string, err error) {
	c, err := s.Iterator(shardID, TrimHorizon, "", time.Time{})
	if err != nil {
		return 0, 0, "", err
	}
	for {
		if err := ctx.Err(); err != nil {
			return n, bytes, last, err
		}
		res, full, err := s.read(c, MaxRecordsPerRead)
		if err != nil {
			return n, bytes, last, err
		}
		if k := len(res.Records); k > 0 {
			n += int64(k)
			for i := range res.Records {
				bytes += int64(len(res.Records[i].Data))
			}
			last = res.Records[k-1].SequenceNumber()
			if fn != nil {
				if err := fn(shardID, res.Records); err != nil {
					return n, bytes, last, err
				}
			}
		}
		if res.Closed || !full {
			return n, bytes, last, nil
		}
		c = res.Next
	}
}
