package query

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// pump runs queries: those of one stream (shared), or one query that reads several
// streams. Its goroutine owns its cohorts and members; the manager talks to it through
// do, which runs a function on that goroutine between batches.
type pump struct {
	m      *Manager
	key    string
	path   string // its checkpoint
	shared bool
	log    *slog.Logger

	cmds   chan func()
	cancel context.CancelFunc
	done   chan struct{}

	// Owned by the goroutine.
	cohorts    []*cohort // shared: cohorts[0] follows the stream's tips, the others catch up
	members    map[string]*member
	outputs    map[string]*output
	defs       map[string]*Definition // queries to run, as the manager set them
	dirty      bool                   // records pushed or time advanced since the last checkpoint
	lastCommit time.Time
	failed     error      // the pump cannot run (a checkpoint that cannot be read)
	inflight   *commitJob // a checkpoint being written, with its rows
	ckpt       ckptLog    // where checkpoints go (written by the job that writes them)

	mu      sync.Mutex // guards views and viewsAt
	views   map[string]*view
	viewsAt time.Time
}

// Batching. A batch is what one step reads; a checkpoint follows every batch that emitted
// rows (before they are written), and otherwise comes at most every checkpointEvery.
const (
	batchRecords    = 8192
	backlogRecords  = 16 * batchRecords
	backlogTime     = 100 * time.Millisecond
	checkpointEvery = time.Second
	refreshEvery    = 5 * time.Second
	retryMin        = 100 * time.Millisecond
	retryMax        = 10 * time.Second
)

func (m *Manager) newPump(key string, shared bool) *pump {
	name := key[len("stream:"):]
	dir := "streams"
	if !shared {
		name, dir = key[len("query:"):], "queries"
	}
	p := &pump{
		m: m, key: key, path: filepath.Join(m.Dir, dir, name+".ckpt"), shared: shared,
		ckpt: ckptLog{path: filepath.Join(m.Dir, dir, name+".ckpt")},
		log:  m.logger().With("pump", key),
		cmds: make(chan func(), 16), done: make(chan struct{}),
		members: map[string]*member{}, outputs: map[string]*output{}, defs: map[string]*Definition{},
		views: map[string]*view{},
	}
	return p
}

// start runs the pump's goroutine with the definitions put in defs before.
func (p *pump) start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go p.run(ctx)
}

// do runs f on the pump's goroutine and waits for it; false if the pump has stopped.
func (p *pump) do(f func()) bool {
	ran := make(chan struct{})
	select {
	case p.cmds <- func() { f(); close(ran) }:
	case <-p.done:
		return false
	}
	select {
	case <-ran:
		return true
	case <-p.done:
		return false
	}
}

// close stops the goroutine after a last checkpoint.
func (p *pump) close() {
	if p.cancel == nil {
		return // never started
	}
	p.cancel()
	<-p.done
}

func (p *pump) output(name string) *output {
	o := p.outputs[name]
	if o == nil {
		o = &output{name: name}
		p.outputs[name] = o
	}
	return o
}

func (p *pump) run(ctx context.Context) {
	defer close(p.done)
	defer p.ckpt.close()
	if err := p.recover(ctx); err != nil {
		if ctx.Err() != nil {
			return
		}
		p.failed = err
		p.log.Error("query checkpoint cannot be read: its queries do not run", "file", p.path, "err", err)
		for _, d := range p.defs {
			p.setView(d, StateFailed, err)
		}
		p.serveFailed(ctx)
		return
	}
	wait := retryMin
	for {
		p.drain()
		if ctx.Err() != nil {
			p.final()
			return
		}
		caughtUp, err := p.cycle(ctx)
		if err != nil {
			if ctx.Err() != nil {
				p.final()
				return
			}
			p.setError(err)
			p.log.Warn("query pump: retrying", "err", err, "in", wait)
			if !p.sleep(ctx, wait) {
				p.final()
				return
			}
			wait = min(2*wait, retryMax)
			continue
		}
		wait = retryMin
		if caughtUp {
			p.idle(ctx)
		}
	}
}

// serveFailed answers the manager's calls while the pump cannot run.
func (p *pump) serveFailed(ctx context.Context) {
	for {
		select {
		case f := <-p.cmds:
			f()
		case <-ctx.Done():
			return
		}
	}
}

// drain runs the manager's calls waiting.
func (p *pump) drain() {
	for {
		select {
		case f := <-p.cmds:
			f()
		default:
			return
		}
	}
}

func (p *pump) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case f := <-p.cmds:
			f()
		case <-t.C:
			return true
		}
	}
}

// cycle reads a batch for each cohort, advances the clocks of those at the tips, merges
// the cohorts that caught up, and checkpoints and writes what was emitted.
func (p *pump) cycle(ctx context.Context) (caughtUp bool, err error) {
	caughtUp = true
	for i, c := range p.cohorts {
		if !c.running() {
			if p.shared && i == 0 {
				c.followers[0].jump()
			}
			continue
		}
		var bounds []*follower
		if p.shared && i > 0 {
			bounds = p.cohorts[0].followers
		}
		// A cohort behind its tips reads on, up to a bigger batch or a time budget, before
		// the checkpoint: one checkpoint (and its fsyncs) per few records would bound a
		// backfill by the disk's sync rate. At the tips a batch is what came.
		n, cu, err := c.step(batchRecords, bounds)
		for start := time.Now(); err == nil && !cu && n < backlogRecords && time.Since(start) < backlogTime; {
			var more int
			more, cu, err = c.step(batchRecords, bounds)
			n += more
		}
		if n > 0 {
			p.dirty = true
		}
		if err != nil {
			return false, err
		}
		if cu && (i == 0 || !p.shared) {
			now := p.m.now()
			for _, m := range c.members {
				if !m.stopped {
					m.runner.Advance(now)
				}
			}
			p.dirty = p.dirty || n > 0
		}
		caughtUp = caughtUp && cu
	}
	p.merge()
	pending := false
	for _, m := range p.members {
		pending = pending || m.hasPending()
	}
	if pending || p.dirty && time.Since(p.lastCommit) >= checkpointEvery {
		// Written while the next batch is read; the one after waits for it.
		if err := p.checkpoint(ctx, false); err != nil {
			return false, err
		}
	}
	p.refreshViews(false)
	return caughtUp && !pending, nil
}

// merge moves the members of a cohort that caught up with the tips' cohort into it.
func (p *pump) merge() {
	if !p.shared {
		return
	}
	main := p.cohorts[0]
	for i := 1; i < len(p.cohorts); i++ {
		c := p.cohorts[i]
		if !c.running() || !c.followers[0].at(main.followers[0]) {
			continue
		}
		for _, m := range c.members {
			main.add(m)
		}
		p.cohorts = slices.Delete(p.cohorts, i, i+1)
		i--
		p.log.Info("queries caught up with the stream", "queries", len(c.members))
	}
}

// idle waits for a record, a change of membership, the next time a query's clock must
// move, or a refresh.
func (p *pump) idle(ctx context.Context) {
	p.refreshViews(true) // what it shows now holds until the wait ends
	wait := refreshEvery
	var changed []<-chan struct{}
	now := p.m.now()
	for _, c := range p.cohorts {
		if !c.running() {
			continue
		}
		for _, f := range c.followers {
			changed = append(changed, f.stream.Changed())
		}
		for _, m := range c.members {
			if at, ok := m.runner.NextEvent(); ok && !m.stopped {
				wait = min(wait, max(at.Sub(now), time.Millisecond))
			}
		}
	}
	if p.dirty {
		wait = min(wait, max(checkpointEvery-time.Since(p.lastCommit), time.Millisecond))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	// One goroutine per input stream would cost a goroutine per wait; the streams of a
	// pump are one (shared) or few, so a small select per count does.
	var ch1, ch2 <-chan struct{}
	if len(changed) > 0 {
		ch1 = changed[0]
	}
	if len(changed) > 1 {
		ch2 = changed[1]
	}
	if len(changed) > 2 {
		// More streams than the select waits on: poll them at a short interval.
		t.Reset(min(wait, 20*time.Millisecond))
	}
	select {
	case <-ctx.Done():
	case f := <-p.cmds:
		f()
	case <-ch1:
	case <-ch2:
	case <-t.C:
	}
	for _, c := range p.cohorts {
		for _, f := range c.followers {
			f.refresh()
		}
	}
}

// final writes a last checkpoint when the pump stops.
func (p *pump) final() {
	if p.failed != nil || p.cohorts == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.commit(ctx); err != nil {
		p.log.Error("query checkpoint at stop failed: the queries read again from the one before", "err", err)
	}
	p.refreshViews(true)
}

// writePending writes the rows a checkpoint holds as pending that their streams do not hold
// yet.
func (p *pump) writePending(ctx context.Context, ck *checkpoint) error {
	for _, q := range ck.Queries {
		for _, pr := range q.Pending {
			o := p.output(pr.Stream)
			tips := ck.tips(pr.Stream)
			if tips == nil {
				return fmt.Errorf("%w: rows of %s for %s without the stream's tips", ErrCheckpoint, q.Name, pr.Stream)
			}
			n, err := o.written(p.m.Store, tips.StreamID, tips.Tips, q.Name, pr.Rows)
			if err != nil {
				return err
			}
			if err := o.put(ctx, p.m.Store, q.Name, pr.Rows[n:]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *pump) memberNames() []string {
	names := make([]string, 0, len(p.members))
	for name := range p.members {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (p *pump) cohortOf(m *member) *cohort {
	for _, c := range p.cohorts {
		if slices.Contains(c.members, m) {
			return c
		}
	}
	return nil
}

// errNoStream is a pump waiting for an input stream that does not exist yet.
var errNoStream = errors.New("query: input stream does not exist (yet)")

// openFollowers opens a cohort's followers for a definition, from saved positions or its
// start.
func (p *pump) openFollowers(d *Definition, saved []inputPos, st start) ([]*follower, []int, error) {
	var fs []*follower
	var inputs []int
	for i, in := range d.Plan.Inputs {
		if in.Source.File != "" {
			continue
		}
		var pos *inputPos
		if len(fs) < len(saved) {
			pos = &saved[len(fs)]
		}
		s := st
		if in.Since != nil && pos == nil {
			s.since = in.Since
		}
		f, err := openFollower(p.m.Store, in.Source.Stream, pos, s)
		if errors.Is(err, shards.ErrNotFound) {
			return nil, nil, fmt.Errorf("%w: %s", errNoStream, in.Source.Stream)
		}
		if err != nil {
			return nil, nil, err
		}
		fs = append(fs, f)
		inputs = append(inputs, i)
		if p.shared {
			break
		}
	}
	return fs, inputs, nil
}
