package shards

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"
)

// ---- puts ----

func (h *modelHarness) randData() []byte {
	var n int
	switch r := h.pick(100); {
	case r < 5:
		n = 0
	case r < 75:
		n = 1 + h.pick(64)
	case r < 97:
		n = 64 + h.pick(2000)
	default:
		n = 8<<10 + h.pick(16<<10) // more than a chunk
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(h.rng.Uint32())
	}
	return b
}

func (h *modelHarness) randEntry(ms *mStream) (PutEntry, *big.Int) {
	e := PutEntry{PartitionKey: modelKeys[h.pick(len(modelKeys))], Data: h.randData()}
	if h.pick(5) > 0 {
		return e, md5Big(e.PartitionKey)
	}
	var k *big.Int
	switch h.pick(6) {
	case 0:
		k = big.NewInt(0)
	case 1:
		k = maxKeyBig
	case 2, 3: // the edges of an open shard
		sh := ms.openSorted()[h.pick(len(ms.openSorted()))]
		k = []*big.Int{sh.lo, sh.hi}[h.pick(2)]
		if h.pick(3) == 0 && sh.hi.Cmp(maxKeyBig) < 0 {
			k = add(sh.hi, bigOne)
		}
	default:
		k = h.randBelow(two128)
	}
	e.ExplicitHashKey = k.String()
	return e, k
}

func (h *modelHarness) opPut(batch bool) {
	ms, s := h.pickStream()
	n := 1
	if batch {
		n = 1 + h.pick(20)
		if h.pick(60) == 0 {
			n = MaxRecordsPerPut
		}
	}
	entries := make([]PutEntry, n)
	keys := make([]*big.Int, n)
	for i := range entries {
		entries[i], keys[i] = h.randEntry(ms)
	}
	var want error
	if h.pick(20) == 0 { // an invalid put writes nothing
		i := h.pick(n)
		switch h.pick(7) {
		case 0:
			entries[i].PartitionKey, want = "", ErrInvalidArgument
		case 1:
			entries[i].PartitionKey, want = strings.Repeat("k", MaxPartitionKeyLength+1), ErrInvalidArgument
		case 2:
			entries[i].ExplicitHashKey, want = two128.String(), ErrInvalidArgument
		case 3:
			entries[i].ExplicitHashKey, want = "12x", ErrInvalidArgument
		case 4:
			entries[i].Data, want = make([]byte, DefaultMaxRecordSize), ErrLimitExceeded
		case 5:
			if batch {
				entries, want = make([]PutEntry, MaxRecordsPerPut+1), ErrLimitExceeded
				for j := range entries {
					entries[j] = PutEntry{PartitionKey: "a"}
				}
			} else {
				entries[i].PartitionKey, want = "", ErrInvalidArgument
			}
		case 6:
			if batch {
				entries, want = nil, ErrInvalidArgument
			} else {
				entries[i].ExplicitHashKey, want = "-1", ErrInvalidArgument
			}
		}
	}
	h.note("n=%d", len(entries))
	var res []PutResult
	var err error
	if batch {
		res, err = s.PutRecords(h.ctx, entries)
	} else {
		var r PutResult
		r, err = s.PutRecord(h.ctx, entries[0])
		res = []PutResult{r}
	}
	if want != nil {
		h.note("invalid(%v)", want)
		h.wantErr("invalid put", err, want)
		return
	}
	if err != nil {
		h.failf("put: %v", err)
	}
	if len(res) != n {
		h.failf("put of %d records returned %d results", n, len(res))
	}
	now := h.nowMs()
	for i, e := range entries {
		sh := ms.route(keys[i])
		if res[i].ShardID != ShardID(sh.index) {
			h.failf("put %d (key %q, explicit %q, hash %s) went to %s, the model routes it to %s [%s, %s]",
				i, e.PartitionKey, e.ExplicitHashKey, keys[i], res[i].ShardID, ShardID(sh.index), sh.lo, sh.hi)
		}
		what := fmt.Sprintf("put %d to %s", i, res[i].ShardID)
		pos := h.seqPos(ms, res[i].SequenceNumber, sh.index, what)
		if start := h.seqPos(ms, sh.startSeq, sh.index, what); pos < start {
			h.failf("%s: sequence number %s is below the shard's StartingSequenceNumber %s", what, res[i].SequenceNumber, sh.startSeq)
		}
		if k := len(sh.recs); k > 0 && (pos <= sh.recs[k-1].pos || res[i].SequenceNumber <= sh.recs[k-1].seq) {
			h.failf("%s: sequence number %s does not follow the shard's previous %s", what, res[i].SequenceNumber, sh.recs[k-1].seq)
		}
		sh.recs = append(sh.recs, mRecord{key: e.PartitionKey, data: bytes.Clone(e.Data), seq: res[i].SequenceNumber, pos: pos, arrivalMs: now})
		h.stats["records"]++
	}
}

// opConcurrentPuts runs a few PutRecords calls at once, so the writer
// group-commits them and pipelines its commits, while readers read open
// shards from TRIM_HORIZON. Every read must see a prefix of the shard's
// final records that extends what was there before: commits appear whole,
// in order, without gaps. Each call's records keep their order per shard.
func (h *modelHarness) opConcurrentPuts() {
	ms, s := h.pickStream()
	calls := make([][]PutEntry, 2+h.pick(3))
	keys := make([][]*big.Int, len(calls))
	for i := range calls {
		calls[i] = make([]PutEntry, 1+h.pick(10))
		keys[i] = make([]*big.Int, len(calls[i]))
		for j := range calls[i] {
			calls[i][j], keys[i][j] = h.randEntry(ms)
		}
	}
	open := ms.openSorted()
	readers := make([][]int, 1+h.pick(2)) // the shards each reader cycles through
	for i := range readers {
		for range 3 {
			readers[i] = append(readers[i], open[h.pick(len(open))].index)
		}
	}
	h.note("%d calls, %d readers", len(calls), len(readers))
	seqsOf := func(sh *mShard) []string {
		var out []string
		cur := &mCursor{minMs: math.MinInt64}
		for _, i := range cur.visible(sh, h.cutoff(ms)) {
			out = append(out, sh.recs[i].seq)
		}
		return out
	}
	before := map[int][]string{}
	for _, sh := range open {
		before[sh.index] = seqsOf(sh)
	}

	type observation struct {
		shard int
		seqs  []string
		err   error
	}
	var (
		wg, rg  sync.WaitGroup
		results = make([][]PutResult, len(calls))
		errs    = make([]error, len(calls))
		seen    = make([][]observation, len(readers))
		done    = make(chan struct{})
	)
	for i, shards := range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for n := 0; ; n++ {
				idx := shards[n%len(shards)]
				o := observation{shard: idx}
				c, err := s.Iterator(ShardID(idx), TrimHorizon, "", time.Time{})
				if err == nil {
					var res ReadResult
					res, err = s.Read(c, MaxRecordsPerRead)
					for _, r := range res.Records {
						o.seqs = append(o.seqs, r.SequenceNumber())
					}
				}
				o.err = err
				seen[i] = append(seen[i], o)
				select {
				case <-done:
					return
				case <-time.After(20 * time.Microsecond):
				}
			}
		}()
	}
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.PutRecords(h.ctx, calls[i])
		}()
	}
	wg.Wait()
	close(done)
	rg.Wait()

	// Take the new records into the model in sequence number order.
	type placed struct {
		sh  *mShard
		pos uint64
		rec mRecord
	}
	now := h.nowMs()
	var all []placed
	for i, entries := range calls {
		if errs[i] != nil || len(results[i]) != len(entries) {
			h.failf("concurrent put %d of %d records: %d results, error %v", i, len(entries), len(results[i]), errs[i])
		}
		last := map[int]uint64{}
		for j, e := range entries {
			sh := ms.route(keys[i][j])
			res := results[i][j]
			if res.ShardID != ShardID(sh.index) {
				h.failf("concurrent put %d record %d (key %q, explicit %q) went to %s, the model routes it to %s", i, j, e.PartitionKey, e.ExplicitHashKey, res.ShardID, ShardID(sh.index))
			}
			what := fmt.Sprintf("concurrent put %d record %d to %s", i, j, res.ShardID)
			pos := h.seqPos(ms, res.SequenceNumber, sh.index, what)
			if pos <= last[sh.index] {
				h.failf("%s: sequence number %s is not after the call's previous record in the shard", what, res.SequenceNumber)
			}
			last[sh.index] = pos
			all = append(all, placed{sh, pos, mRecord{key: e.PartitionKey, data: bytes.Clone(e.Data), seq: res.SequenceNumber, pos: pos, arrivalMs: now}})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].pos < all[j].pos })
	for _, p := range all {
		sh := p.sh
		if k := len(sh.recs); k > 0 && p.pos <= sh.recs[k-1].pos {
			h.failf("concurrent puts: %s got sequence number %s, not after %s", ShardID(sh.index), p.rec.seq, sh.recs[k-1].seq)
		}
		if start := h.seqPos(ms, sh.startSeq, sh.index, "model"); p.pos < start {
			h.failf("concurrent puts: %s got sequence number %s below its start %s", ShardID(sh.index), p.rec.seq, sh.startSeq)
		}
		sh.recs = append(sh.recs, p.rec)
		h.stats["records"]++
	}
	// Every read saw before ⊆ what it saw ⊆ after, as prefixes.
	for _, obs := range seen {
		for _, o := range obs {
			after := seqsOf(ms.byIndex[o.shard])
			ok := o.err == nil && len(o.seqs) >= len(before[o.shard]) && len(o.seqs) <= len(after)
			for k := 0; ok && k < len(o.seqs); k++ {
				ok = o.seqs[k] == after[k]
			}
			if !ok {
				h.failf("a read of %s during concurrent puts saw %d records (error %v); it must see the %d from before, then a prefix of the %d new ones in order\n  saw:    %v\n  before: %v\n  after:  %v",
					ShardID(o.shard), len(o.seqs), o.err, len(before[o.shard]), len(after)-len(before[o.shard]), o.seqs, before[o.shard], after)
			}
			h.stats["concurrent reads"]++
		}
	}
}
