package shards

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// ---- consumers ----

func (h *modelHarness) opRegister() {
	ms, s := h.pickStream()
	name := modelConsumers[h.pick(len(modelConsumers))]
	if h.pick(15) == 0 {
		name = "bad name!"
	}
	h.note("%s", name)
	c, err := s.RegisterConsumer(name)
	switch {
	case name == "bad name!":
		h.wantErr("register "+name, err, ErrInvalidArgument)
	case ms.consumers[name] != nil:
		h.wantErr("register existing "+name, err, ErrExists)
	default:
		if err != nil {
			h.failf("register %s: %v", name, err)
		}
		if c.Name != name || !c.Created.Equal(h.clock.Now()) {
			h.failf("register %s returned %+v at %s", name, c, h.clock.Now())
		}
		ms.consumers[name] = &mConsumer{created: h.clock.Now(), cps: map[string]string{}}
	}
}

func (h *modelHarness) opDeregister() {
	ms, s := h.pickStream()
	name := modelConsumers[h.pick(len(modelConsumers))]
	h.note("%s", name)
	err := s.DeregisterConsumer(name)
	if ms.consumers[name] == nil {
		h.wantErr("deregister unknown "+name, err, ErrNotFound)
		return
	}
	h.wantErr("deregister "+name, err, nil)
	delete(ms.consumers, name)
}

func (h *modelHarness) opCheckpoint() {
	ms, s := h.pickStream()
	name := modelConsumers[h.pick(len(modelConsumers))]
	var sh *mShard
	if len(ms.gone) > 0 && h.pick(8) == 0 {
		for _, g := range ms.gone {
			sh = g
			break
		}
	} else {
		sh = h.pickShard(ms)
	}
	id, seq := ShardID(sh.index), sh.startSeq
	if len(sh.recs) > 0 && h.pick(6) > 0 {
		seq = sh.recs[h.pick(len(sh.recs))].seq
	}
	var want error
	if ms.consumers[name] == nil {
		want = ErrNotFound
	}
	if h.pick(8) == 0 {
		want = ErrInvalidArgument
		switch h.pick(4) {
		case 0:
			if seq = h.anotherSeq(ms, sh); seq == "" {
				seq = "4912"
			}
		case 1:
			seq = strings.Repeat("9", 56)
		case 2:
			id = "shard"
		case 3:
			if len(h.old) > 0 && len(h.old[0].shards[0].recs) > 0 {
				seq = h.old[0].shards[0].recs[0].seq // of a deleted incarnation
				id = ShardID(h.old[0].shards[0].index)
			} else {
				seq = "49x"
			}
		}
	}
	h.note("%s %s %s", name, id, seq)
	err := s.Checkpoint(name, id, seq)
	h.wantErr(fmt.Sprintf("checkpoint %s %s %s", name, id, seq), err, want)
	if want == nil {
		ms.consumers[name].cps[id] = seq
	}
}

func (h *modelHarness) opCheckpoints() {
	ms, s := h.pickStream()
	h.checkConsumers(ms, s)
	name := modelConsumers[h.pick(len(modelConsumers))]
	h.note("%s", name)
	h.checkCheckpoints(ms, s, name)
}

func (h *modelHarness) checkConsumers(ms *mStream, s *Stream) {
	h.t.Helper()
	cs, err := s.Consumers()
	if err != nil {
		h.failf("%s: consumers: %v", ms.name, err)
	}
	var names []string
	for n := range ms.consumers {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(cs) != len(names) {
		h.failf("%s: Consumers() = %+v, model has %v", ms.name, cs, names)
	}
	for i, c := range cs {
		if c.Name != names[i] || !c.Created.Equal(ms.consumers[names[i]].created) {
			h.failf("%s: Consumers()[%d] = %+v, model has %s created %s", ms.name, i, c, names[i], ms.consumers[names[i]].created)
		}
	}
}

func (h *modelHarness) checkCheckpoints(ms *mStream, s *Stream, name string) {
	h.t.Helper()
	cps, err := s.Checkpoints(name)
	mc := ms.consumers[name]
	if mc == nil {
		h.wantErr("checkpoints of unknown consumer "+name, err, ErrNotFound)
		return
	}
	if err != nil {
		h.failf("%s: checkpoints of %s: %v", ms.name, name, err)
	}
	if len(cps) != len(mc.cps) {
		h.failf("%s: checkpoints of %s = %v, model has %v", ms.name, name, cps, mc.cps)
	}
	for k, v := range mc.cps {
		if cps[k] != v {
			h.failf("%s: checkpoint of %s in %s is %q, model has %q", ms.name, name, k, cps[k], v)
		}
	}
}

func (h *modelHarness) opResume() {
	ms, s := h.pickStream()
	name := modelConsumers[h.pick(len(modelConsumers))]
	sh := h.pickShard(ms)
	from := []IteratorType{TrimHorizon, Latest}[h.pick(2)]
	h.note("%s %s from %s", name, ShardID(sh.index), from)
	c, err := s.Resume(name, ShardID(sh.index), from)
	mc := ms.consumers[name]
	if mc == nil {
		h.wantErr("resume of unknown consumer "+name, err, ErrNotFound)
		return
	}
	if err != nil {
		if errors.Is(err, ErrNotFound) && h.expirable(ms, sh) {
			return
		}
		h.failf("resume %s %s: %v", name, ShardID(sh.index), err)
	}
	cur := &mCursor{stream: ms.name, id: ms.id, shard: sh.index, c: c, minMs: math.MinInt64}
	if cp, ok := mc.cps[ShardID(sh.index)]; ok {
		pos := h.seqPos(ms, cp, sh.index, "model")
		cur.idx, cur.minPos = sh.countBefore(pos, true), pos+1
		h.note("after %s", cp)
	} else if from == Latest {
		cur.idx = len(sh.recs)
	}
	if c.StreamID != ms.id || c.Shard != sh.index {
		h.failf("resume returned cursor %+v", c)
	}
	if h.readPages(ms, s, cur, 1+h.pick(3), false) && h.pick(3) == 0 {
		h.saveCursor(cur)
	}
}
