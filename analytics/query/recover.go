package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// recover starts the pump from its checkpoint: it first writes the rows the checkpoint
// holds as pending that their streams do not hold yet (a crash came between the
// checkpoint and the put), then restores every query that did not change, at its cohort's
// positions, and writes a checkpoint of where it starts.
func (p *pump) recover(ctx context.Context) error {
	ck, err := loadCheckpoint(p.path)
	if err != nil {
		return err
	}
	if ck != nil {
		wait := retryMin
		for {
			err := p.writePending(ctx, ck)
			if err == nil {
				break
			}
			if errors.Is(err, ErrCheckpoint) {
				return err
			}
			p.setError(err)
			p.log.Warn("query results of the last checkpoint not written: retrying", "err", err, "in", wait)
			if !p.sleep(ctx, wait) {
				return ctx.Err()
			}
			wait = min(2*wait, retryMax)
		}
	} else {
		ck = &checkpoint{}
	}
	for {
		err := p.build(ck)
		if err == nil {
			break
		}
		if !errors.Is(err, errNoStream) {
			return err
		}
		for _, d := range p.defs {
			p.setView(d, StateWaiting, err)
		}
		if !p.sleep(ctx, time.Second) {
			return ctx.Err()
		}
	}
	if err := p.commit(ctx); err != nil {
		return err
	}
	p.refreshViews(true)
	return nil
}

// build makes the cohorts and members of a checkpoint (or of none) for the definitions.
func (p *pump) build(ck *checkpoint) error {
	p.cohorts, p.members = nil, map[string]*member{}
	saved := make([]*cohort, len(ck.Cohorts))
	if p.shared {
		stream := p.key[len("stream:"):]
		for i, pos := range ck.Cohorts {
			if len(pos) == 0 {
				continue
			}
			f, err := openFollower(p.m.Store, stream, &pos[0], start{latest: true})
			if err != nil {
				return missing(err, stream)
			}
			saved[i] = &cohort{followers: []*follower{f}, inputs: []int{0}, shared: true}
		}
		main := (*cohort)(nil)
		if len(saved) > 0 {
			main = saved[0]
		}
		if main == nil {
			f, err := openFollower(p.m.Store, stream, nil, start{latest: true})
			if err != nil {
				return missing(err, stream)
			}
			main = &cohort{followers: []*follower{f}, inputs: []int{0}, shared: true}
		}
		p.cohorts = []*cohort{main}
	}
	names := make([]string, 0, len(p.defs))
	for name := range p.defs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d := p.defs[name]
		if err := p.place(d, ck.query(name), ck, saved); err != nil {
			if errors.Is(err, errNoStream) {
				return err
			}
			p.setView(d, StateFailed, err)
			p.log.Error("query cannot start", "query", name, "err", err)
		}
	}
	return nil
}

// missing names a stream not found as one waited for.
func missing(err error, stream string) error {
	if errors.Is(err, shards.ErrNotFound) {
		return fmt.Errorf("%w: %s", errNoStream, stream)
	}
	return err
}

// place makes a definition's member and puts it in its cohort: restored at its saved
// cohort's positions when it did not change; fresh there when it changed (it goes on from
// where the old one was); fresh at its SINCE, or at the streams' tips, when it is new or
// changed with SINCE.
func (p *pump) place(d *Definition, part *queryCheckpoint, ck *checkpoint, saved []*cohort) error {
	m, err := newMember(d, p.output)
	if err != nil {
		return err
	}
	restored := part != nil && part.Key == d.Key && m.runner.Restore(part.State) == nil
	if part != nil && !restored && part.Key == d.Key {
		p.log.Warn("query state in the checkpoint cannot be restored: it starts over", "query", d.Name)
	}
	m.fresh = !restored
	var c *cohort
	if part != nil && (restored || !hasSince(d)) {
		if p.shared {
			c = saved[part.Cohort]
			if c != nil && !slices.Contains(p.cohorts, c) {
				p.cohorts = append(p.cohorts, c)
			}
		} else {
			fs, inputs, err := p.openFollowers(d, ck.Cohorts[part.Cohort], start{latest: true})
			if err != nil {
				return err
			}
			c = &cohort{followers: fs, inputs: inputs}
			p.cohorts = append(p.cohorts, c)
		}
	}
	if c == nil {
		if c, err = p.newCohort(d); err != nil {
			return err
		}
	}
	p.members[d.Name] = m
	c.add(m)
	if part != nil && part.Stopped {
		return p.freeze(m)
	}
	return nil
}

// newCohort is where a new query starts: at its SINCE in a cohort of its own; else with
// the stream's tips (the shared pump's first cohort, or a cohort of its own at the tips).
func (p *pump) newCohort(d *Definition) (*cohort, error) {
	if p.shared && !hasSince(d) {
		return p.cohorts[0], nil
	}
	since := d.Plan.Inputs[0].Since
	if p.shared {
		// Queries with one SINCE that has not been read from yet start together.
		for _, c := range p.cohorts[1:] {
			if c.unread && c.since.Equal(*since) {
				return c, nil
			}
		}
	}
	fs, inputs, err := p.openFollowers(d, nil, start{latest: true})
	if err != nil {
		return nil, err
	}
	c := &cohort{followers: fs, inputs: inputs, shared: p.shared}
	if p.shared {
		c.since, c.unread = *since, true
	}
	p.cohorts = append(p.cohorts, c)
	return c, nil
}

func hasSince(d *Definition) bool {
	for _, in := range d.Plan.Inputs {
		if in.Since != nil {
			return true
		}
	}
	return false
}
