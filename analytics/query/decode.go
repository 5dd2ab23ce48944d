package query

import (
	"runtime"
	"sync"

	"github.com/tidegate/tidegate/analytics/record"
	"github.com/tidegate/tidegate/analytics/value"
	"github.com/tidegate/tidegate/shards"
)

// Decoding a record is most of what a query over one stream costs, and it does not depend
// on the records before it: a batch of a shared cohort is decoded on every core, then
// pushed in order on the pump's goroutine, which is all that must stay sequential.

// parallelFrom is the batch from which decoding is split: a few records (a stream at its
// tips) are decoded where they are pushed, with no handing over.
const parallelFrom = 512

// batchRec is a record of a batch in the order it is pushed.
type batchRec struct {
	ch  *chunk
	rec *shards.Record
}

// pushParallel decodes the n records of the batch's chunks on every core and pushes them
// in arrival order.
func (c *cohort) pushParallel(n int) {
	c.order = c.order[:0]
	mergeChunks(c.chunks, func(ch *chunk, r *shards.Record) { c.order = append(c.order, batchRec{ch, r}) })
	workers := min(runtime.GOMAXPROCS(0), (len(c.order)+parallelFrom-1)/parallelFrom)
	for _, g := range c.groups {
		g.prepare(len(c.order), workers)
	}
	var wg sync.WaitGroup
	per := (len(c.order) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, len(c.order))
		wg.Add(1)
		work := func() {
			defer wg.Done()
			for _, g := range c.groups {
				g.decodeRange(c.order, lo, hi, g.decs[w])
			}
		}
		if w == workers-1 {
			work() // the pump's goroutine takes a share too
		} else {
			go work()
		}
	}
	wg.Wait()
	for i, br := range c.order {
		c.pushDecoded(br.ch, br.rec, i)
	}
	for _, g := range c.groups {
		g.release()
	}
	clear(c.order)
}

// prepare sizes a group's scratch for a batch of n records decoded by workers decoders.
func (g *decodeGroup) prepare(n, workers int) {
	g.width = g.dec.Width()
	if need := n * g.width; cap(g.rows) < need {
		g.rows = make(value.Row, need)
	} else {
		g.rows = g.rows[:need]
	}
	if cap(g.errs) < n {
		g.errs = make([]bool, n)
	} else {
		g.errs = g.errs[:n]
	}
	for len(g.decs) < workers {
		if len(g.decs) == 0 {
			g.decs = append(g.decs, g.dec)
			continue
		}
		d, err := record.NewDecoder(g.src, g.cols)
		if err != nil { // made once already with these: cannot fail
			d = g.dec
		}
		g.decs = append(g.decs, d)
	}
}

// decodeRange decodes records lo to hi of a batch with d.
func (g *decodeGroup) decodeRange(order []batchRec, lo, hi int, d *record.Decoder) {
	var meta record.Meta
	for i := lo; i < hi; i++ {
		rec := order[i].rec
		meta.Arrival, meta.Key = rec.ArrivalTime, rec.PartitionKey
		if g.seq {
			meta.Seq = rec.SequenceNumber()
		}
		if g.shardID {
			meta.Shard = order[i].ch.shard.info.ShardID
		}
		g.errs[i] = d.Decode(rec.Data, meta, g.rows[i*g.width:(i+1)*g.width]) != nil
	}
}

// release lets go of the batch's values (they hold its records' text) and gathers the
// decoders' counts of values that did not convert.
func (g *decodeGroup) release() {
	clear(g.rows)
	for _, d := range g.decs[1:] {
		g.dec.Mismatches += d.Mismatches
		d.Mismatches = 0
	}
}
