package query

import (
	"context"
	"fmt"
	"time"
)

// A checkpoint is taken on the pump's goroutine — every query's snapshot, the cohorts'
// positions, the rows emitted since the last one — and written, with its rows after it,
// on another goroutine while the pump reads the next batch: the fsyncs of one batch
// overlap the work of the next. One is written at a time, in order; the next is taken
// only once the one before is written, so that the tips it notes come after the rows of
// the one before. A checkpoint whose writing failed gives its rows back to their queries,
// and the next checkpoint holds them.

// commitJob is a checkpoint taken and the rows it holds, to be written.
type commitJob struct {
	ck   *checkpoint
	puts []jobPut
	done chan error
}

// jobPut is rows of one query for one stream.
type jobPut struct {
	m    *member
	kind int // 0 results, 1 late rows
	o    *output
	rows [][]byte
}

// commit writes a checkpoint and waits until it and its rows are written.
func (p *pump) commit(ctx context.Context) error { return p.checkpoint(ctx, true) }

// checkpoint takes a checkpoint and has it written; with wait, it returns once written.
func (p *pump) checkpoint(ctx context.Context, wait bool) error {
	if err := p.awaitInflight(); err != nil {
		return err
	}
	job, err := p.take()
	if err != nil {
		return err
	}
	p.dirty, p.lastCommit = false, time.Now()
	p.inflight = job
	go func() { job.done <- p.write(ctx, job) }()
	if wait {
		return p.awaitInflight()
	}
	return nil
}

// awaitInflight waits for the checkpoint being written; if it failed, its rows go back to
// their queries.
func (p *pump) awaitInflight() error {
	job := p.inflight
	if job == nil {
		return nil
	}
	p.inflight = nil
	err := <-job.done
	if err != nil {
		for i := len(job.puts) - 1; i >= 0; i-- {
			jp := job.puts[i]
			jp.m.pending[jp.kind] = append(jp.rows, jp.m.pending[jp.kind]...)
		}
	}
	return err
}

// take snapshots the queries and their positions and takes their pending rows.
func (p *pump) take() (*commitJob, error) {
	ck := &checkpoint{}
	index := map[*cohort]int{}
	for i, c := range p.cohorts {
		index[c] = i
		ck.Cohorts = append(ck.Cohorts, c.positions())
	}
	job := &commitJob{ck: ck, done: make(chan error, 1)}
	for _, name := range p.memberNames() {
		m := p.members[name]
		if m.frozen != nil {
			part := *m.frozen
			part.Cohort = index[p.cohortOf(m)]
			ck.Queries = append(ck.Queries, part)
			continue
		}
		state, err := m.runner.Snapshot()
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", name, err)
		}
		part := queryCheckpoint{Name: name, Key: m.def.Key, Cohort: index[p.cohortOf(m)], State: state}
		for kind, out := range m.outputs() {
			if len(out.rows) == 0 {
				continue
			}
			part.Pending = append(part.Pending, pendingRows{Stream: out.o.name, Rows: out.rows})
			job.puts = append(job.puts, jobPut{m: m, kind: kind, o: out.o, rows: out.rows})
			m.pending[kind] = nil // the job has them now
		}
		ck.Queries = append(ck.Queries, part)
	}
	return job, nil
}

// write notes the output streams' tips, saves the checkpoint and puts its rows; a put
// that fails is tried again, with backoff, as recovery would: writing the rows the streams
// do not hold yet.
func (p *pump) write(ctx context.Context, job *commitJob) error {
	seen := map[string]bool{}
	for _, jp := range job.puts {
		if seen[jp.o.name] {
			continue
		}
		seen[jp.o.name] = true
		id, tips, err := jp.o.tips(p.m.Store)
		if err != nil {
			return err
		}
		job.ck.Outputs = append(job.ck.Outputs, outputTips{Stream: jp.o.name, StreamID: id, Tips: tips})
	}
	if err := p.ckpt.append(job.ck); err != nil {
		return err
	}
	// A pump stopping lets the puts under way finish (a put to the local store ends
	// quickly); only the retries below end with it.
	var err error
	for _, jp := range job.puts {
		if err = jp.o.put(context.WithoutCancel(ctx), p.m.Store, jp.m.def.Name, jp.rows); err != nil {
			break
		}
	}
	if err == nil {
		return nil
	}
	// The rows are in the checkpoint: from here on, written as recovery writes them.
	wait := retryMin
	for {
		p.setError(err)
		p.log.Warn("query results not written: retrying", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, retryMax)
		if err = p.writePending(ctx, job.ck); err == nil {
			return nil
		}
	}
}
