package shards

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// ---- time, retention, restart ----

func (h *modelHarness) opAdvance() {
	var d time.Duration
	switch h.pick(3) {
	case 0:
		d = time.Duration(h.rng.Int64N(int64(time.Second)))
	case 1:
		d = time.Duration(h.rng.Int64N(int64(time.Minute)))
	default:
		d = time.Duration(h.rng.Int64N(int64(5 * time.Minute)))
	}
	h.clock.Advance(d)
	h.note("%s", d)
	if h.pick(2) == 0 {
		h.maintainAll()
	}
}

func (h *modelHarness) opPastRetention() {
	ms := h.streams[modelStreams[h.pick(len(modelStreams))]]
	d := ms.retention + time.Duration(h.rng.Int64N(int64(ms.retention)))
	if h.pick(3) == 0 { // to just before or after the edge of a record
		d = ms.retention + time.Duration(h.pick(3)-1)*time.Millisecond
	}
	h.clock.Advance(d)
	h.note("%s past %s's retention", d, ms.name)
	if h.pick(10) < 7 {
		h.maintainAll()
	}
}

func (h *modelHarness) opMaintain() { h.maintainAll() }

// maintainAll runs retention on every stream's writer, as its once-a-second
// tick does, and applies it to the model: closed shards that closed longer
// ago than the retention period are gone.
func (h *modelHarness) maintainAll() {
	h.note("maintain")
	for _, name := range modelStreams {
		ms, s := h.streams[name], h.handles[name]
		if err := s.do(func() error { s.maintain(); return nil }); err != nil {
			h.failf("%s: maintain: %v", name, err)
		}
		keep := ms.shards[:0]
		for _, sh := range ms.shards {
			if h.expirable(ms, sh) {
				ms.gone[sh.index] = sh
				delete(ms.byIndex, sh.index)
				h.stats["shards expired"]++
				continue
			}
			keep = append(keep, sh)
		}
		ms.shards = keep
		h.checkShards(ms, s)
	}
}

// unseenTick runs retention on every stream's writer as its real-time tick
// may at any moment, without applying it to the model: the model must
// accept that an expirable closed shard is gone.
func (h *modelHarness) unseenTick() {
	for _, name := range modelStreams {
		s := h.handles[name]
		if err := s.do(func() error { s.maintain(); return nil }); err != nil {
			h.failf("%s: writer's tick: %v", name, err)
		}
	}
}

func (h *modelHarness) opReopen() {
	old, oldStreams := h.st, h.handles
	if err := old.Close(); err != nil {
		h.failf("close: %v", err)
	}
	if _, err := old.Stream("s1"); !errors.Is(err, ErrClosed) {
		h.failf("Stream after Close: %v, want ErrClosed", err)
	}
	s := oldStreams[modelStreams[h.pick(len(modelStreams))]]
	if _, err := s.PutRecord(h.ctx, PutEntry{PartitionKey: "a", Data: []byte("late")}); !errors.Is(err, ErrClosed) {
		h.failf("put after Close: %v, want ErrClosed", err)
	}
	if err := s.UpdateShardCount(1); !errors.Is(err, ErrClosed) {
		h.failf("UpdateShardCount after Close: %v, want ErrClosed", err)
	}
	// A reader still holding a Stream after Close. (Not with
	// -model.tolerate-known: the file it reopens would keep the store from
	// opening again below.)
	if ms := h.streams[s.Name()]; !*modelKnown && h.pick(4) == 0 {
		sh := h.pickShard(ms)
		h.note("read-after-close %s", ShardID(sh.index))
		if res, err := s.Read(Cursor{StreamID: ms.id, Shard: sh.index}, 10); !errors.Is(err, ErrClosed) {
			h.known("read-after-close", "Read of %s on a Stream of a closed Store returned %d records and error %v, want ErrClosed; "+
				"when the shard has data, Read reopens its segment file (read-write, taking bbolt's file lock) and never closes it, "+
				"so Open of the same directory in this process then fails with a timeout", ShardID(sh.index), len(res.Records), err)
		}
	}
	if h.pick(3) == 0 { // down for a while
		d := time.Duration(h.rng.Int64N(int64(20 * time.Minute)))
		h.clock.Advance(d)
		h.note("down %s", d)
	}
	st, err := Open(h.dir, Options{Clock: h.clock.Now})
	if err != nil {
		h.failf("reopen: %v", err)
	}
	h.st = st
	if d := st.Damage(); len(d) > 0 {
		h.failf("reopen after a clean close reports damage: %+v", d)
	}
	if names := st.Streams(); strings.Join(names, ",") != strings.Join(modelStreams, ",") {
		h.failf("reopen: streams %v, want %v", names, modelStreams)
	}
	for _, name := range modelStreams {
		s, err := st.Stream(name)
		if err != nil {
			h.failf("reopen: stream %s: %v", name, err)
		}
		if id := s.Describe().ID; id != h.streams[name].id {
			h.failf("reopen: stream %s has id %d, was %d", name, id, h.streams[name].id)
		}
		h.handles[name] = s
		h.fullCheck(name)
	}
	h.stats["reopens"]++
}

func (h *modelHarness) opFullCheck() {
	ms, _ := h.pickStream()
	h.fullCheck(ms.name)
}

// fullCheck reads every shard from TRIM_HORIZON to its end and compares
// consumers and checkpoints.
func (h *modelHarness) fullCheck(name string) {
	h.t.Helper()
	ms, s := h.streams[name], h.handles[name]
	h.checkShards(ms, s)
	for _, sh := range ms.shards {
		c, err := s.Iterator(ShardID(sh.index), TrimHorizon, "", time.Time{})
		if err != nil {
			if errors.Is(err, ErrNotFound) && h.expirable(ms, sh) {
				continue
			}
			h.failf("%s: full check: iterator %s: %v", name, ShardID(sh.index), err)
		}
		cur := &mCursor{stream: name, id: ms.id, shard: sh.index, c: c, minMs: math.MinInt64}
		h.readPages(ms, s, cur, 1<<20, true)
	}
	h.checkConsumers(ms, s)
	for _, c := range modelConsumers {
		h.checkCheckpoints(ms, s, c)
	}
}

// opRecreate deletes a stream and creates it again: consumers go, and the
// old incarnation's sequence numbers and cursors are refused.
func (h *modelHarness) opRecreate() {
	ms, s := h.pickStream()
	if _, err := h.st.CreateStream(ms.name, StreamConfig{}); !errors.Is(err, ErrExists) {
		h.failf("create of existing %s: %v, want ErrExists", ms.name, err)
	}
	if err := h.st.DeleteStream(ms.name); err != nil {
		h.failf("delete %s: %v", ms.name, err)
	}
	if err := h.st.DeleteStream(ms.name); !errors.Is(err, ErrNotFound) {
		h.failf("second delete of %s: %v, want ErrNotFound", ms.name, err)
	}
	if _, err := h.st.Stream(ms.name); !errors.Is(err, ErrNotFound) {
		h.failf("Stream(%s) after delete: %v, want ErrNotFound", ms.name, err)
	}
	if _, err := s.PutRecord(h.ctx, PutEntry{PartitionKey: "a"}); !errors.Is(err, ErrClosed) {
		h.failf("put to deleted %s: %v, want ErrClosed", ms.name, err)
	}
	if sh := h.pickShard(ms); h.pick(2) == 0 {
		h.note("read-after-delete %s", ShardID(sh.index))
		if res, err := s.Read(Cursor{StreamID: ms.id, Shard: sh.index}, 10); !errors.Is(err, ErrClosed) {
			h.known("read-after-close", "Read of %s on a deleted Stream returned %d records and error %v, want ErrClosed",
				ShardID(sh.index), len(res.Records), err)
		}
	}
	h.clock.Advance(time.Millisecond + time.Duration(h.rng.Int64N(int64(time.Second))))
	h.old = append(h.old, ms)
	h.create(ms.name, 1+h.pick(4), ms.retention)
	nms, ns := h.streams[ms.name], h.handles[ms.name]
	if nms.id == ms.id {
		h.failf("re-created %s has the id of the deleted one", ms.name)
	}
	h.checkConsumers(nms, ns)
	for _, sh := range ms.shards {
		if len(sh.recs) == 0 {
			continue
		}
		want := ErrInvalidArgument
		if nms.byIndex[sh.index] == nil {
			want = ErrNotFound
		}
		_, err := ns.Iterator(ShardID(sh.index), AtSequenceNumber, sh.recs[0].seq, time.Time{})
		h.wantErr("iterator at a sequence number of the deleted incarnation", err, want)
		break
	}
	h.stats["recreates"]++
}

// Minimal reproductions of the discrepancies TestModel found.

// A closed shard that never held a record must report Closed and its
// children once read to its end, like any closed shard. Read returns
// Closed=false with Next at now-retention instead, forever (until the
// shard's start falls out of retention), so a reader following
// TRIM_HORIZON → Next never moves on to the children.
func TestModelReproClosedEmptyShard(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "s", StreamConfig{Shards: 1, Retention: 10 * time.Minute})
	if err := s.SplitShard(ShardID(0), "1"); err != nil {
		t.Fatal(err)
	}
	c, err := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res, err := s.Read(c, 10)
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed {
			if len(res.ChildShards) != 2 {
				t.Fatalf("children %+v, want 2", res.ChildShards)
			}
			return
		}
		c = res.Next
	}
	t.Fatalf("reading closed, empty %s from TRIM_HORIZON never reports Closed (Next.Pos %d, Shards %+v)", ShardID(0), c.Pos, s.Shards()[0])
}

// A Read on a Stream of a closed Store must fail with ErrClosed. It
// succeeds instead, reopening the segment file (bbolt read-write: it takes
// the file lock) and never closing it, so opening the directory again in
// the same process fails with a timeout.
func TestModelReproReadAfterClose(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := mustCreate(t, st, "s", StreamConfig{Shards: 1})
	mustPut(t, s, "a", "x")
	c, err := s.Iterator(ShardID(0), TrimHorizon, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Read(c, 10); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %d records, error %v; want ErrClosed", len(res.Records), err)
	}
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after a Read on the closed Store: %v", err)
	}
	st2.Close()
}
