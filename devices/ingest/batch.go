package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// lanes is how many batchers share one stream. A partition key always
// goes to the same lane, and a lane submits its batches in the order its
// records were enqueued; the engine stores submitted puts in that order.
// Several lanes spread the work of batching and validating.
const lanes = 16

// laneOf picks a partition key's lane (FNV-1a).
func laneOf(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % lanes)
}

// batcher gathers one lane's puts. The first put of a batch arms a timer
// for the linger time; a batch that fills up is queued at once. One sender
// goroutine at a time submits the queued batches in order.
type batcher struct {
	writer *Writer
	stream string

	mu      sync.Mutex
	cur     *batch
	timer   *time.Timer
	queue   []*batch // full or lingered, waiting for the sender, in order
	sending bool     // the sender goroutine runs
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

// share is where one enqueued slice of records went.
type share struct {
	bt *batch
	i  int
}

func (sh share) wait(ctx context.Context) error {
	select {
	case <-sh.bt.done:
		return sh.bt.result(sh.i)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add appends recs to the current batch, behind every earlier add.
func (b *batcher) add(recs []shards.PutEntry, size int) share {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur != nil && (len(b.cur.entries)+len(recs) > MaxBatchRecords || b.cur.bytes+size > MaxBatchBytes) {
		b.flushLocked()
	}
	if b.cur == nil {
		b.cur = &batch{done: make(chan struct{})}
		b.timer = time.AfterFunc(b.writer.linger, b.flushTimer(b.cur))
	}
	bt := b.cur
	i := len(bt.calls)
	bt.calls = append(bt.calls, call{len(bt.entries), len(bt.entries) + len(recs)})
	bt.entries = append(bt.entries, recs...)
	bt.bytes += size
	if len(bt.entries) >= MaxBatchRecords || bt.bytes >= MaxBatchBytes {
		b.flushLocked()
	}
	return share{bt, i}
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

// flushLocked queues the current batch for the sender; b.mu is held.
func (b *batcher) flushLocked() {
	b.timer.Stop()
	b.queue = append(b.queue, b.cur)
	b.cur = nil
	if !b.sending {
		b.sending = true
		b.writer.wg.Add(1)
		go b.sendLoop()
	}
}

// sendLoop submits the queued batches one after the other, and the batch
// being filled when nothing else is queued, until there is none. Submitting
// does not wait for the commit (the engine stores submitted puts in the
// order submitted), so the lane keeps up to maxInFlight batches in flight;
// a waiter answers each batch's callers once it is durable.
func (b *batcher) sendLoop() {
	defer b.writer.wg.Done()
	inflight := make(chan inFlight, maxInFlight)
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		for f := range inflight {
			if f.p != nil {
				_, err := f.p.Wait(b.writer.ctx)
				f.bt.err = b.account(f.bt.entries, err)
			}
			close(f.bt.done)
		}
	}()
	defer func() { close(inflight); <-waited }()
	for {
		b.mu.Lock()
		if len(b.queue) == 0 && b.cur != nil {
			b.timer.Stop()
			b.queue = append(b.queue, b.cur)
			b.cur = nil
		}
		if len(b.queue) == 0 {
			b.sending = false
			b.mu.Unlock()
			return
		}
		bt := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		b.mu.Unlock()
		inflight <- inFlight{bt, b.submit(bt)}
	}
}

// maxInFlight bounds the batches a lane has submitted but not yet seen
// committed.
const maxInFlight = 64

type inFlight struct {
	bt *batch
	p  *shards.Pending // nil: the batch is settled already
}

// submit queues bt with the engine. A batch the engine refuses outright
// (one bad record refuses the whole call) is split: each caller's records
// are put alone so only the bad caller fails; it is then settled (nil).
func (b *batcher) submit(bt *batch) *shards.Pending {
	s := b.writer
	s.batches.Add(1)
	st, err := s.store.Stream(b.stream)
	var p *shards.Pending
	if err == nil {
		p, err = st.Submit(s.ctx, bt.entries)
	}
	if err == nil {
		return p
	}
	if len(bt.calls) > 1 && (errors.Is(err, shards.ErrInvalidArgument) || errors.Is(err, shards.ErrLimitExceeded)) {
		bt.errs = make([]error, len(bt.calls))
		for i, c := range bt.calls {
			part := bt.entries[c.from:c.to]
			_, err := st.PutRecords(s.ctx, part)
			bt.errs[i] = b.account(part, err)
		}
		return nil
	}
	bt.err = b.account(bt.entries, err)
	return nil
}

// account counts a put's records as stored or refused, and returns err,
// named ErrClosed when the writer closing caused it.
func (b *batcher) account(entries []shards.PutEntry, err error) error {
	s := b.writer
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
