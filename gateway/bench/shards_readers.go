package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// catchUp bounds how long the tailing readers may take, once the writers
// stop, to read what is left: far more than a healthy reader needs.
const catchUp = time.Minute

// writeWithReaders runs the writers again, on a fresh stream, while
// o.Readers tailing readers follow every shard of it from the start, as
// deliveries and Kinesis consumers do: a reader must never make a put wait.
// Each reader must end up with every record written.
func writeWithReaders(ctx context.Context, st *shards.Store, o ShardsOptions, res *ShardsResult) error {
	s, err := st.CreateStream("bench-readers", shards.StreamConfig{Shards: o.Shards})
	if err != nil {
		return fmt.Errorf("bench: shards: readers: %w", err)
	}
	var wg sync.WaitGroup
	rctx, stop := context.WithCancel(ctx)
	// The readers stop before they are waited for.
	defer func() { stop(); wg.Wait() }()
	var (
		read  = make([]atomic.Int64, o.Readers)
		errMu sync.Mutex
		rerr  error
	)
	for i := range o.Readers {
		for _, sh := range s.Shards() {
			c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
			if err != nil {
				return fmt.Errorf("bench: shards: readers: %w", err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := tail(rctx, s, c, &read[i]); err != nil && rctx.Err() == nil {
					errMu.Lock()
					rerr = errors.Join(rerr, fmt.Errorf("reader %d, shard %s: %w", i, sh.ShardID, err))
					errMu.Unlock()
					stop()
				}
			}()
		}
	}
	start := time.Now()
	w, err := writeLoad(rctx, s, o)
	if err != nil {
		return err
	}
	if err := waitCaughtUp(rctx, read, w.records); err != nil {
		errMu.Lock()
		defer errMu.Unlock()
		return fmt.Errorf("bench: shards: readers: %w", errors.Join(rerr, err))
	}
	elapsed := time.Since(start)
	res.AckP50MsWithReaders, res.AckP99MsWithReaders = ms(w.p50), ms(w.p99)
	res.WriteRecordsPerSecWithReaders = w.recordsPerSec()
	res.TailRecordsPerSec = float64(w.records) * float64(o.Readers) / elapsed.Seconds()
	return nil
}

// tail follows one shard from c, counting the records it reads, until ctx
// ends.
func tail(ctx context.Context, s *shards.Stream, c shards.Cursor, n *atomic.Int64) error {
	for {
		res, err := s.ReadWait(ctx, c, shards.MaxRecordsPerRead)
		if err != nil {
			return err
		}
		n.Add(int64(len(res.Records)))
		c = res.Next
	}
}

// waitCaughtUp waits until every reader has read want records.
func waitCaughtUp(ctx context.Context, read []atomic.Int64, want int64) error {
	ctx, cancel := context.WithTimeout(ctx, catchUp)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		behind := -1
		for i := range read {
			if read[i].Load() != want {
				behind = i
				break
			}
		}
		if behind < 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("reader %d read %d of %d records: %w", behind, read[behind].Load(), want, ctx.Err())
		}
	}
}
