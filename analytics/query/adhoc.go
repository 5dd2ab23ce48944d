package query

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tidegate/tidegate/analytics/batch"
	"github.com/tidegate/tidegate/analytics/operator"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
	"github.com/tidegate/tidegate/shards"
)

// Ad-hoc queries answer the caller instead of writing a stream, and keep no checkpoint.
// Select runs once over what the streams retain when it starts (from SINCE, else from
// their beginning) and ends; Follow reads on, live, until the caller goes. Both stream
// their rows in bounded memory: a batch of records at a time, the operators' bounded
// state, each result handed over as it comes. Both stop when ctx ends — a closed request,
// Ctrl-C.

// readBatch is how many records an ad-hoc query reads at a time.
const readBatch = 1024

// An ad-hoc query over a long history would take a core for as long as it runs; on a
// board of two, ingest would lose its pace. After each batch it pauses for yieldShare of
// the time the batch took, so that it takes at most two thirds of a core.
const yieldShare = 0.5

// pacer pauses an ad-hoc query between batches.
type pacer struct{ last time.Time }

func (p *pacer) pause() {
	if !p.last.IsZero() {
		time.Sleep(time.Duration(float64(time.Since(p.last)) * yieldShare))
	}
	p.last = time.Now()
}

// Select runs an ad-hoc SELECT over history and hands each result row, as JSON, to sink.
// Filters, projections, GROUP BY, TUMBLE and HOP windows and table lookups run in the
// batch executor; SESSION, SLIDE and COUNTWINDOW windows and joins of two streams run in
// the continuous operators over the history, which end it as a finite input ends.
func (m *Manager) Select(ctx context.Context, q *plan.Query, sink func(row []byte) error) error {
	if q.Mode == plan.Continuous {
		return m.runHistory(ctx, q, sink)
	}
	inputs := make([]batch.Records, len(q.Inputs))
	for i, in := range q.Inputs {
		r, err := m.records(in)
		if err != nil {
			return err
		}
		defer r.Close()
		inputs[i] = r
	}
	fields := q.Fields()
	var buf []byte
	_, err := batch.Run(ctx, q, m.limits(), inputs, m.now(), func(row value.Row) error {
		buf = record.AppendJSON(buf[:0], fields, row)
		return sink(buf)
	})
	return err
}

func (m *Manager) limits() plan.Limits {
	if m.Limits == (plan.Limits{}) {
		return plan.DefaultLimits()
	}
	return m.Limits
}

// NeedsOperators reports whether an ad-hoc query over history runs in the continuous
// operators rather than the batch executor: what Prepare plans as a continuous query.
func NeedsOperators(q *plan.Query) bool {
	if w := q.Window; w != nil && w.Kind != plan.Tumble && w.Kind != plan.Hop {
		return true
	}
	for _, j := range q.Joins {
		if !j.Lookup {
			return true
		}
	}
	return false
}

// recordsCloser is a batch input that holds something to let go of.
type recordsCloser interface {
	batch.Records
	io.Closer
}

// records reads an input of an ad-hoc query: a table's file, or a stream's history.
func (m *Manager) records(in *plan.Input) (recordsCloser, error) {
	if in.Source.File != "" {
		f, err := os.Open(in.Source.File)
		if err != nil {
			return nil, fmt.Errorf("query: table %s: %w", in.Name, err)
		}
		return &fileRecords{f: f, r: bufio.NewReaderSize(f, 64<<10)}, nil
	}
	h, err := m.history(in)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// fileRecords are the lines of a table's file.
type fileRecords struct {
	f *os.File
	r *bufio.Reader
}

func (f *fileRecords) Next() ([]byte, record.Meta, bool, error) {
	for {
		line, err := f.r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			return bytes.TrimRight(line, "\r\n"), record.Meta{}, true, nil
		}
		if errors.Is(err, io.EOF) {
			return nil, record.Meta{}, false, nil
		}
		if err != nil {
			return nil, record.Meta{}, false, err
		}
	}
}

func (f *fileRecords) Close() error { return f.f.Close() }

// historyRecords are a stream's records from a start up to its tips when the query
// began, shards in lineage order, each batch in arrival order across shards.
type historyRecords struct {
	f, tips *follower
	pace    pacer
	batch   []shards.Record
	shard   []string
	next    int
	done    bool
	seq     bool
}

// history opens a stream's history for an ad-hoc query.
func (m *Manager) history(in *plan.Input) (*historyRecords, error) {
	st := start{}
	if in.Since != nil {
		st.since = in.Since
	}
	f, err := openFollower(m.Store, in.Source.Stream, nil, st)
	if err != nil {
		return nil, fmt.Errorf("query: stream %s: %w", in.Source.Stream, err)
	}
	tips, err := openFollower(m.Store, in.Source.Stream, nil, start{latest: true})
	if err != nil {
		return nil, fmt.Errorf("query: stream %s: %w", in.Source.Stream, err)
	}
	h := &historyRecords{f: f, tips: tips}
	for _, c := range in.Columns {
		h.seq = h.seq || c == schema.SeqColumn || c == schema.ShardColumn
	}
	return h, nil
}

func (h *historyRecords) Next() ([]byte, record.Meta, bool, error) {
	for h.next == len(h.batch) {
		if h.done {
			return nil, record.Meta{}, false, nil
		}
		if err := h.fill(); err != nil {
			return nil, record.Meta{}, false, err
		}
	}
	r := &h.batch[h.next]
	meta := record.Meta{Arrival: r.ArrivalTime, Key: r.PartitionKey}
	if h.seq {
		meta.Seq, meta.Shard = r.SequenceNumber(), h.shard[h.next]
	}
	h.next++
	return r.Data, meta, true, nil
}

// fill reads the next batch, merged by arrival across the shards read.
func (h *historyRecords) fill() error {
	h.pace.pause()
	var chunks []chunk
	caughtUp, err := h.f.read(readBatch, h.tips, func(sh *shardState, recs []shards.Record) {
		chunks = append(chunks, chunk{shard: sh, recs: recs})
	})
	if err != nil {
		return err
	}
	h.batch, h.shard, h.next = h.batch[:0], h.shard[:0], 0
	mergeChunks(chunks, func(ch *chunk, r *shards.Record) {
		h.batch = append(h.batch, *r)
		h.shard = append(h.shard, ch.shard.info.ShardID)
	})
	h.done = caughtUp && len(h.batch) == 0
	return nil
}

func (h *historyRecords) Close() error { return nil }

// runHistory runs a query planned for the continuous operators over history: pushed as
// it comes (the streams merged by arrival), then flushed, as a finite input ends.
func (m *Manager) runHistory(ctx context.Context, q *plan.Query, sink func([]byte) error) error {
	a, err := m.newAdhoc(q, true)
	if err != nil {
		return err
	}
	var pace pacer
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		pace.pause()
		n, caughtUp, err := a.c.step(readBatch, a.bounds)
		if err != nil {
			return err
		}
		if err := a.deliver(sink); err != nil {
			return err
		}
		if caughtUp && n == 0 {
			break
		}
	}
	a.m.runner.Flush()
	return a.deliver(sink)
}

// Follow runs an ad-hoc continuous query (planned with follow) from its SINCE, else from
// the streams' tips, and hands its rows to sink until ctx ends or sink fails.
func (m *Manager) Follow(ctx context.Context, q *plan.Query, sink func(row []byte) error) error {
	a, err := m.newAdhoc(q, false)
	if err != nil {
		return err
	}
	for {
		_, caughtUp, err := a.c.step(readBatch, nil)
		if err != nil {
			return err
		}
		if caughtUp {
			a.m.runner.Advance(m.now())
		}
		if err := a.deliver(sink); err != nil {
			return err
		}
		if !caughtUp {
			continue
		}
		wait := refreshEvery
		if at, ok := a.m.runner.NextEvent(); ok {
			wait = min(wait, max(time.Until(at), time.Millisecond))
		}
		t := time.NewTimer(wait)
		var changed <-chan struct{}
		if len(a.c.followers) > 0 {
			changed = a.c.followers[0].stream.Changed()
		}
		if len(a.c.followers) > 1 {
			t.Reset(min(wait, 20*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
		for _, f := range a.c.followers {
			f.refresh()
		}
	}
}

// adhoc is an ad-hoc query run in the operators: a cohort of one member.
type adhoc struct {
	c      *cohort
	m      *member
	bounds []*follower
}

func (m *Manager) newAdhoc(q *plan.Query, history bool) (*adhoc, error) {
	mem := &member{def: &Definition{Plan: q, Limits: m.limits()}, fields: q.Fields()}
	r, err := operator.New(q, operator.Options{Limits: m.limits(), Sink: mem.sink})
	if err != nil {
		return nil, err
	}
	mem.runner = r
	a := &adhoc{c: &cohort{members: []*member{mem}}, m: mem}
	for i, in := range q.Inputs {
		if in.Source.File != "" {
			continue
		}
		st := start{latest: !history}
		if in.Since != nil {
			st.since = in.Since
		}
		f, err := openFollower(m.Store, in.Source.Stream, nil, st)
		if err != nil {
			return nil, fmt.Errorf("query: stream %s: %w", in.Source.Stream, err)
		}
		a.c.followers = append(a.c.followers, f)
		a.c.inputs = append(a.c.inputs, i)
		if history {
			tips, err := openFollower(m.Store, in.Source.Stream, nil, start{latest: true})
			if err != nil {
				return nil, fmt.Errorf("query: stream %s: %w", in.Source.Stream, err)
			}
			a.bounds = append(a.bounds, tips)
		}
	}
	return a, nil
}

// deliver hands the rows emitted so far to sink.
func (a *adhoc) deliver(sink func([]byte) error) error {
	for _, row := range a.m.pending[0] {
		if err := sink(row); err != nil {
			return err
		}
	}
	a.m.clearPending()
	return nil
}
