package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// batcher gathers one stream's puts. The first put of a batch arms a timer
// for the linger time; a batch that fills up is sent at once. Sending does
// not wait for the previous batch: the engine's writer merges batches that
// queue behind a commit into its next group commit.
type batcher struct {
	sink   *Sink
	stream string

	mu    sync.Mutex
	cur   *batch
	timer *time.Timer
}

type batch struct {
	entries []shards.PutEntry
	bytes   int
	calls   []call
	done    chan struct{}
	err     error   // the outcome for every caller...
	errs    []error // ...or, after a split, for each
}

func (bt *batch) result(i int) error {
	if bt.errs != nil {
		return bt.errs[i]
	}
	return bt.err
}

// call is one caller's share of a batch, kept to retry it alone.
type call struct{ from, to int }

func (b *batcher) put(ctx context.Context, recs []shards.PutEntry, size int) error {
	b.mu.Lock()
	if b.cur != nil && (len(b.cur.entries)+len(recs) > MaxBatchRecords || b.cur.bytes+size > MaxBatchBytes) {
		b.flushLocked()
	}
	if b.cur == nil {
		b.cur = &batch{done: make(chan struct{})}
		b.timer = time.AfterFunc(b.sink.linger, b.flushTimer(b.cur))
	}
	bt := b.cur
	i := len(bt.calls)
	bt.calls = append(bt.calls, call{len(bt.entries), len(bt.entries) + len(recs)})
	bt.entries = append(bt.entries, recs...)
	bt.bytes += size
	if len(bt.entries) >= MaxBatchRecords || bt.bytes >= MaxBatchBytes {
		b.flushLocked()
	}
	b.mu.Unlock()

	select {
	case <-bt.done:
		return bt.result(i)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *batcher) flushTimer(bt *batch) func() {
	return func() {
		b.mu.Lock()
		if b.cur == bt {
			b.flushLocked()
		}
		b.mu.Unlock()
	}
}

// flushLocked sends the current batch; b.mu is held.
func (b *batcher) flushLocked() {
	bt := b.cur
	b.cur = nil
	b.timer.Stop()
	s := b.sink
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		b.send(bt)
		close(bt.done)
	}()
}

func (b *batcher) send(bt *batch) {
	err := b.putRecords(bt.entries)
	if err != nil && len(bt.calls) > 1 && (errors.Is(err, shards.ErrInvalidArgument) || errors.Is(err, shards.ErrLimitExceeded)) {
		// One bad record refuses the whole call: put each caller's
		// records alone so only the bad caller fails.
		bt.errs = make([]error, len(bt.calls))
		for i, c := range bt.calls {
			bt.errs[i] = b.putRecords(bt.entries[c.from:c.to])
		}
		return
	}
	bt.err = err
}

func (b *batcher) putRecords(entries []shards.PutEntry) error {
	s := b.sink
	s.batches.Add(1)
	st, err := s.store.Stream(b.stream)
	if err == nil {
		_, err = st.PutRecords(s.ctx, entries)
	}
	if err != nil {
		s.refused.Add(uint64(len(entries)))
		if errors.Is(err, context.Canceled) && s.ctx.Err() != nil {
			err = ErrClosed
		}
		return err
	}
	s.records.Add(uint64(len(entries)))
	return nil
}
