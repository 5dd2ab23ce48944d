package query

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The changes the manager makes to a running pump, each run on its goroutine (pump.do)
// between batches, when no row is pending, and each followed by a checkpoint so that a
// restart finds the pump as it was left.

// add starts a new query, or replaces a changed one: a changed query without SINCE goes on
// from its old positions with a fresh state.
func (p *pump) add(ctx context.Context, d *Definition) error {
	return p.addAll(ctx, []*Definition{d})
}

// addAll adds queries with one checkpoint after all of them; queries with the same SINCE
// added together start in one cohort.
func (p *pump) addAll(ctx context.Context, defs []*Definition) error {
	if p.failed != nil {
		return p.failed
	}
	for _, d := range defs {
		if err := p.place1(d); err != nil {
			return err
		}
	}
	if p.cohorts == nil {
		return nil
	}
	return p.settle(ctx)
}

// place1 puts one new or changed query into its cohort.
func (p *pump) place1(d *Definition) error {
	old := p.members[d.Name]
	p.defs[d.Name] = d
	if p.cohorts == nil {
		p.setView(d, StateStarting, nil)
		return nil // still starting: build places it
	}
	m, err := newMember(d, p.output)
	if err != nil {
		p.setView(d, StateFailed, err)
		return err
	}
	m.fresh = true
	var c *cohort
	if old != nil {
		c = p.cohortOf(old)
		p.drop(old)
		if hasSince(d) {
			c = nil
		}
	}
	if c == nil {
		if c, err = p.newCohort(d); err != nil {
			p.setView(d, StateWaiting, err)
			delete(p.defs, d.Name)
			return err
		}
	}
	p.members[d.Name] = m
	c.add(m)
	p.setView(d, StateStarting, nil)
	return nil
}

// remove stops a query and forgets it: the next checkpoint no longer holds it.
func (p *pump) remove(ctx context.Context, name string) error {
	delete(p.defs, name)
	p.mu.Lock()
	delete(p.views, name)
	p.mu.Unlock()
	if m := p.members[name]; m != nil {
		p.drop(m)
	}
	if p.failed != nil {
		return nil
	}
	return p.settle(ctx)
}

// drop takes a member out of its cohort; a cohort left empty goes (but the stream tips'
// cohort of a shared pump).
func (p *pump) drop(m *member) {
	delete(p.members, m.def.Name)
	c := p.cohortOf(m)
	if c == nil {
		return
	}
	c.remove(m)
	if len(c.members) == 0 && (!p.shared || c != p.cohorts[0]) {
		p.cohorts = slices.DeleteFunc(p.cohorts, func(x *cohort) bool { return x == c })
	}
}

// stop holds a query where it is: its state and positions stay in the checkpoint as they
// are now, in a cohort of its own that nothing reads, until it is started again.
func (p *pump) stop(ctx context.Context, name string) error {
	m := p.members[name]
	if m == nil {
		return fmt.Errorf("%w: query %q is not running (still starting, or failed)", ErrNotFound, name)
	}
	if m.stopped {
		return nil
	}
	if err := p.settle(ctx); err != nil { // what it emitted is written first
		return err
	}
	if err := p.freeze(m); err != nil {
		return err
	}
	return p.settle(ctx)
}

// freeze marks a member stopped and keeps its checkpoint part as it is now; a member that
// shares its cohort with others is moved to a copy of it.
func (p *pump) freeze(m *member) error {
	state, err := m.runner.Snapshot()
	if err != nil {
		return err
	}
	m.stopped = true
	m.frozen = &queryCheckpoint{Name: m.def.Name, Key: m.def.Key, Stopped: true, State: state}
	c := p.cohortOf(m)
	if c != nil && len(c.members) > 1 {
		cp, err := p.copyCohort(c)
		if err != nil {
			return err
		}
		c.remove(m)
		cp.add(m)
		p.cohorts = append(p.cohorts, cp)
	}
	p.setView(m.def, StateStopped, nil)
	return nil
}

// copyCohort makes a cohort at the same positions as c, with no members.
func (p *pump) copyCohort(c *cohort) (*cohort, error) {
	cp := &cohort{shared: c.shared, inputs: slices.Clone(c.inputs)}
	for _, f := range c.followers {
		pos := f.positions()
		g, err := openFollower(p.m.Store, f.name, &pos, start{latest: true})
		if err != nil {
			return nil, err
		}
		cp.followers = append(cp.followers, g)
	}
	return cp, nil
}

// resume starts a stopped query again from where it was stopped: in a shared pump it
// catches up with the stream's tips in its own cohort, then joins the others.
func (p *pump) resume(ctx context.Context, name string) error {
	if p.failed != nil {
		return p.failed
	}
	m := p.members[name]
	if m == nil {
		return fmt.Errorf("%w: query %q is not running (still starting, or failed)", ErrNotFound, name)
	}
	if !m.stopped {
		return nil
	}
	m.stopped, m.frozen = false, nil
	if c := p.cohortOf(m); c != nil {
		c.regroup = true
	}
	p.setView(m.def, StateStarting, nil)
	return p.settle(ctx)
}

// settle checkpoints (and writes what is pending) after a change.
func (p *pump) settle(ctx context.Context) error {
	if p.cohorts == nil {
		return nil // not started yet: recovery checkpoints
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := p.commit(ctx)
	p.refreshViews(true)
	return err
}
