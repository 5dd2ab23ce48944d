package query

import (
	"fmt"
	"slices"
	"time"

	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
	"github.com/tidegate/tidegate/shards"
)

// cohort is queries at the same positions of the same input streams. A shared cohort (of
// the queries reading one stream) reads each record once, decodes it once per source
// declaration for all of them and pushes the columns each query reads; a query reading
// several streams is a cohort of its own, one follower per stream it reads.
type cohort struct {
	followers []*follower
	inputs    []int // per follower, the input of the query it feeds (a cohort of its own)
	members   []*member
	shared    bool
	groups    []*decodeGroup // shared: built again when the members change
	regroup   bool
	chunks    []chunk    // scratch: one batch's records, per follower and shard
	order     []batchRec // scratch: a batch decoded in parallel, in the order it is pushed
	// since and unread: a cohort that starts at a SINCE and has read nothing yet, which
	// queries added with the same SINCE join.
	since  time.Time
	unread bool
}

// chunk is records of one shard of one follower, in order.
type chunk struct {
	follower int
	shard    *shardState
	recs     []shards.Record
}

// decodeGroup is the queries of a shared cohort that read one source declaration: each
// record is decoded once into the union of their columns.
type decodeGroup struct {
	src          *schema.Source
	cols         []string // the union of the columns its queries read
	dec          *record.Decoder
	row          value.Row
	targets      []target
	seq, shardID bool // some query reads _seq, _shard
	// A batch decoded in parallel: its rows, width values each, and which did not decode;
	// a decoder per worker (decs[0] is dec).
	rows  value.Row
	width int
	errs  []bool
	decs  []*record.Decoder
}

// target is a query of a decode group, with where each of its columns is in the union.
type target struct {
	m    *member
	idx  []int
	cols value.Row
}

// running reports whether some member runs (is not stopped).
func (c *cohort) running() bool {
	for _, m := range c.members {
		if !m.stopped {
			return true
		}
	}
	return false
}

// add puts a member into the cohort.
func (c *cohort) add(m *member) {
	c.members = append(c.members, m)
	c.regroup = true
}

// remove takes a member out of the cohort.
func (c *cohort) remove(m *member) {
	c.members = slices.DeleteFunc(c.members, func(x *member) bool { return x == m })
	c.regroup = true
}

// buildGroups groups the running members of a shared cohort by the source they read.
func (c *cohort) buildGroups() error {
	c.regroup = false
	c.groups = c.groups[:0]
	byKey := map[string]*decodeGroup{}
	var order []string
	cols := map[string][]string{}
	srcs := map[string]*schema.Source{}
	for _, m := range c.members {
		if m.stopped {
			continue
		}
		in := m.def.Plan.Inputs[0]
		key := fmt.Sprintf("%d|%d|%t|%+v", in.Source.Format, in.Source.Delimiter, in.Source.Header, in.Source.Columns)
		if _, ok := cols[key]; !ok {
			order = append(order, key)
			srcs[key] = in.Source
		}
		for _, name := range in.Columns {
			if !slices.Contains(cols[key], name) {
				cols[key] = append(cols[key], name)
			}
		}
	}
	for _, key := range order {
		dec, err := record.NewDecoder(srcs[key], cols[key])
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		g := &decodeGroup{src: srcs[key], cols: cols[key], dec: dec, row: make(value.Row, dec.Width())}
		g.seq = slices.Contains(cols[key], schema.SeqColumn)
		g.shardID = slices.Contains(cols[key], schema.ShardColumn)
		byKey[key] = g
		c.groups = append(c.groups, g)
	}
	for _, m := range c.members {
		if m.stopped {
			continue
		}
		in := m.def.Plan.Inputs[0]
		key := fmt.Sprintf("%d|%d|%t|%+v", in.Source.Format, in.Source.Delimiter, in.Source.Header, in.Source.Columns)
		g := byKey[key]
		t := target{m: m, idx: make([]int, len(in.Columns)), cols: make(value.Row, len(in.Columns))}
		for i, name := range in.Columns {
			t.idx[i] = slices.Index(cols[key], name)
		}
		g.targets = append(g.targets, t)
	}
	return nil
}

// step reads at most limit records (each follower no further than its bound, when bounds
// has one) and pushes them, in the order they arrived across shards, to the running
// members. caughtUp reports that every follower is at its tip (or its bound).
func (c *cohort) step(limit int, bounds []*follower) (n int, caughtUp bool, err error) {
	if c.shared && c.regroup {
		if err := c.buildGroups(); err != nil {
			return 0, false, err
		}
	}
	c.chunks = c.chunks[:0]
	caughtUp = true
	for j, f := range c.followers {
		var bound *follower
		if j < len(bounds) {
			bound = bounds[j]
		}
		cu, err := f.read(limit-n, bound, func(sh *shardState, recs []shards.Record) {
			c.chunks = append(c.chunks, chunk{follower: j, shard: sh, recs: recs})
			n += len(recs)
		})
		if err != nil {
			return n, false, err
		}
		caughtUp = caughtUp && cu
	}
	if n > 0 {
		c.unread = false
	}
	if c.shared && n >= parallelFrom {
		c.pushParallel(n)
	} else {
		mergeChunks(c.chunks, c.push)
	}
	clear(c.chunks)
	return n, caughtUp, nil
}

// mergeChunks hands the records of chunks to each in arrival order; ties keep the order of
// the chunks.
func mergeChunks(chunks []chunk, each func(ch *chunk, r *shards.Record)) {
	if len(chunks) == 1 {
		ch := &chunks[0]
		for i := range ch.recs {
			each(ch, &ch.recs[i])
		}
		return
	}
	heads := make([]int, len(chunks))
	for {
		best := -1
		for k := range chunks {
			if heads[k] == len(chunks[k].recs) {
				continue
			}
			if best < 0 || chunks[k].recs[heads[k]].ArrivalTime.Before(chunks[best].recs[heads[best]].ArrivalTime) {
				best = k
			}
		}
		if best < 0 {
			return
		}
		ch := &chunks[best]
		each(ch, &ch.recs[heads[best]])
		heads[best]++
	}
}

// push runs one record through the running members.
func (c *cohort) push(ch *chunk, rec *shards.Record) {
	meta := record.Meta{Arrival: rec.ArrivalTime, Key: rec.PartitionKey}
	if !c.shared {
		m := c.members[0]
		if m.stopped {
			return
		}
		meta.Seq, meta.Shard = rec.SequenceNumber(), ch.shard.info.ShardID
		_ = m.runner.Push(c.inputs[ch.follower], rec.Data, meta) // bad records and refusals are counted
		return
	}
	for _, g := range c.groups {
		if g.seq {
			meta.Seq = rec.SequenceNumber()
		}
		if g.shardID {
			meta.Shard = ch.shard.info.ShardID
		}
		if err := g.dec.Decode(rec.Data, meta, g.row); err != nil {
			for _, t := range g.targets {
				t.m.runner.Skip(meta)
			}
			continue
		}
		for _, t := range g.targets {
			for k, u := range t.idx {
				t.cols[k] = g.row[u]
			}
			_ = t.m.runner.PushDecoded(0, t.cols, rec.Data, meta)
		}
	}
}

// pushDecoded runs a record the decode groups decoded into rows[i] (errs[i] when it did not
// decode) through the running members.
func (c *cohort) pushDecoded(ch *chunk, rec *shards.Record, i int) {
	meta := record.Meta{Arrival: rec.ArrivalTime, Key: rec.PartitionKey}
	for _, g := range c.groups {
		if g.seq {
			meta.Seq = rec.SequenceNumber()
		}
		if g.shardID {
			meta.Shard = ch.shard.info.ShardID
		}
		if g.errs[i] {
			for _, t := range g.targets {
				t.m.runner.Skip(meta)
			}
			continue
		}
		row := g.rows[i*g.width : (i+1)*g.width]
		for _, t := range g.targets {
			for k, u := range t.idx {
				t.cols[k] = row[u]
			}
			_ = t.m.runner.PushDecoded(0, t.cols, rec.Data, meta)
		}
	}
}

// positions are the followers' positions, for a checkpoint.
func (c *cohort) positions() []inputPos {
	ps := make([]inputPos, len(c.followers))
	for i, f := range c.followers {
		ps[i] = f.positions()
	}
	return ps
}
