//go:build linux && !arm && !386 && !mips && !mipsle

package shards

// The power-cut test. A child process runs a store on the power-cut
// filesystem (internal/powercut): writers put records into two streams,
// one stream is split and merged, a consumer reads and checkpoints, and a
// clock twenty times faster than the real one rolls segments and expires
// them; the other stream rolls and drops segments by its byte limit. Each
// put, reshard, consumer and checkpoint is acknowledged once it returns.
// After each cut the parent opens a copy of what the cut left and checks
// the promise (powercut_verify_test.go): every acknowledged record there,
// where its put said, in order, whole; the acknowledged reshards and
// checkpoints there, each checkpoint on a record that is there; nothing
// served from a damaged chunk. Records retention deleted or hides may be
// missing, and only those.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
)

const (
	pcWriters = 4
	// pcSpeed is how much faster than the real clock the store's clock
	// runs: with a minute's retention, aged rolls a segment every 375 ms
	// and expires records after 3 s.
	pcSpeed = 20
	pcAged  = "aged"  // 4 shards, a minute's retention, split and merged
	pcSized = "sized" // 2 shards, 1 MiB: rolls every 256 KiB, drops the oldest
	pcUser  = "reader"
)

func pcStreamConfig(name string) StreamConfig {
	if name == pcAged {
		return StreamConfig{Shards: 4, Retention: MinRetention}
	}
	return StreamConfig{Shards: 2, Retention: time.Hour, MaxBytes: MinMaxBytes, OnFull: OverwriteOldest}
}

// pcDir is where the store lives on the mount: Open makes it, as the
// gateway's DATA_DIR/shards.
func pcDir(root string) string { return filepath.Join(root, "shards") }

// pcClock runs pcSpeed times faster than time.Now from an anchor: the
// first stream's creation, so that its time goes on across the cycles;
// the real time until the store tells it.
type pcClock struct{ anchor atomic.Int64 }

func (c *pcClock) now() time.Time {
	a := c.anchor.Load()
	n := time.Now().UnixNano()
	if a == 0 || n < a {
		return time.Unix(0, n)
	}
	return time.Unix(0, a+(n-a)*pcSpeed)
}

func TestPowerCutChild(t *testing.T) {
	c := powercut.StartChild(t)
	clock := &pcClock{}
	st, err := Open(pcDir(c.Dir), Options{Clock: clock.now})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	streams := map[string]*Stream{}
	for _, name := range []string{pcAged, pcSized} {
		s, err := st.Stream(name)
		if errors.Is(err, ErrNotFound) {
			if s, err = st.CreateStream(name, pcStreamConfig(name)); err == nil {
				c.Ack("N %s", name)
			}
		}
		if err != nil {
			c.Fatalf("stream %s: %v", name, err)
		}
		if name == pcAged {
			clock.anchor.Store(s.Describe().Created.UnixNano())
		}
		if _, err := s.RegisterConsumer(pcUser); err == nil {
			c.Ack("C %s", name)
		} else if !errors.Is(err, ErrExists) {
			c.Fatalf("register consumer of %s: %v", name, err)
		}
		streams[name] = s
	}
	c.Ready()
	var wg sync.WaitGroup
	for w := range pcWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcWrite(c, streams, w, rand.New(rand.NewPCG(c.Seed, uint64(w))))
		}()
	}
	go pcReshard(c, streams[pcAged], rand.New(rand.NewPCG(c.Seed, 1<<32)))
	go pcConsume(c, streams)
	wg.Wait() // never: the parent kills us
}

// pcWrite puts batches of 1 to 50 records into a random stream and
// acknowledges each put on one line: "P stream (shard seq header)...".
func pcWrite(c *powercut.Child, streams map[string]*Stream, w int, rng *rand.Rand) {
	names := []string{pcAged, pcSized}
	var line strings.Builder
	for counter := 0; ; {
		name := names[rng.IntN(2)]
		n := 1 + rng.IntN(50)
		entries := make([]PutEntry, n)
		headers := make([]string, n)
		for i := range entries {
			key := rng.IntN(crashKeys)
			headers[i] = crashMakeHeader(c.Cycle, w, counter, key)
			counter++
			entries[i] = PutEntry{PartitionKey: "pk-" + strconv.Itoa(key), Data: crashPayload(headers[i])}
		}
		res, err := streams[name].PutRecords(context.Background(), entries)
		if err != nil {
			c.Fatalf("writer %d: put to %s: %v", w, name, err)
		}
		line.Reset()
		line.WriteString("P " + name)
		for i, r := range res {
			fmt.Fprintf(&line, " %s %s %s", r.ShardID, r.SequenceNumber, headers[i])
		}
		c.Ack("%s", line.String())
	}
}

// pcReshard splits and merges the open shards of s, between 2 and 8 of
// them, and acknowledges each: "S stream shard" for a split, "M stream a
// b" for a merge.
func pcReshard(c *powercut.Child, s *Stream, rng *rand.Rand) {
	for {
		time.Sleep(time.Duration(20+rng.IntN(100)) * time.Millisecond)
		var open []ShardInfo
		for _, sh := range s.Shards() {
			if sh.Open() {
				open = append(open, sh)
			}
		}
		sort.Slice(open, func(i, j int) bool { return open[i].HashKeyRange.Start.Cmp(open[j].HashKeyRange.Start) < 0 })
		if len(open) < 3 || (len(open) < 8 && rng.IntN(2) == 0) {
			sh := open[rng.IntN(len(open))]
			r := sh.HashKeyRange
			if r.width().Cmp(HashKey{0, 1}) < 0 {
				continue
			}
			key := r.Start.add(r.width().half()).inc()
			if err := s.SplitShard(sh.ShardID, key.String()); err != nil {
				c.Fatalf("split %s: %v", sh.ShardID, err)
			}
			c.Ack("S %s %s", s.Name(), sh.ShardID)
			continue
		}
		i := rng.IntN(len(open) - 1)
		if err := s.MergeShards(open[i].ShardID, open[i+1].ShardID); err != nil {
			c.Fatalf("merge %s %s: %v", open[i].ShardID, open[i+1].ShardID, err)
		}
		c.Ack("M %s %s %s", s.Name(), open[i].ShardID, open[i+1].ShardID)
	}
}

// pcConsume reads every shard of both streams from the consumer's
// checkpoint, a few hundred records at a time, and checkpoints the last
// record read: "K stream shard seq" once the checkpoint returned.
func pcConsume(c *powercut.Child, streams map[string]*Stream) {
	for {
		for _, name := range []string{pcAged, pcSized} {
			s := streams[name]
			for _, sh := range s.Shards() {
				cur, err := s.Resume(pcUser, sh.ShardID, TrimHorizon)
				if errors.Is(err, ErrNotFound) {
					continue // an expired closed shard, forgotten meanwhile
				}
				if err != nil {
					c.Fatalf("resume %s %s: %v", name, sh.ShardID, err)
				}
				res, err := s.Read(cur, 300)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					c.Fatalf("read %s %s: %v", name, sh.ShardID, err)
				}
				if len(res.Records) == 0 {
					continue
				}
				seq := res.Records[len(res.Records)-1].SequenceNumber()
				if err := s.Checkpoint(pcUser, sh.ShardID, seq); err != nil {
					c.Fatalf("checkpoint %s %s: %v", name, sh.ShardID, err)
				}
				c.Ack("K %s %s %s", name, sh.ShardID, seq)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPowerCut runs 100 cuts. TIDEGATE_POWERCUT_CYCLES changes the
// number, TIDEGATE_POWERCUT_SEED replays a schedule.
func TestPowerCut(t *testing.T) {
	if testing.Short() {
		t.Skip("100 power cuts")
	}
	m := newPCModel()
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutChild",
		Cycles:  100,
		MaxAcks: 120,
		MaxWait: time.Second,
		Tear:    true,
		Check: func(cy *powercut.Cycle) error {
			tmp, err := os.MkdirTemp("", "powercut-shards-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			dir := filepath.Join(tmp, "shards")
			if _, err := os.Stat(pcDir(cy.Dir)); err == nil {
				// Cut before Open made it otherwise: the check opens an
				// empty store and finds what was acknowledged missing.
				if err := powercut.CopyDir(pcDir(cy.Dir), dir); err != nil {
					return err
				}
			}
			return m.check(cy, dir)
		},
	})
	if m.records == 0 || m.checkpointAcks == 0 || m.reshards == 0 {
		t.Fatalf("%d records, %d checkpoints and %d reshards acknowledged: the test tested too little", m.records, m.checkpointAcks, m.reshards)
	}
	t.Logf("%d records, %d reshards, %d checkpoints acknowledged; %d records checked after the last cut, %d expired by then; %d segments rolled to, %d deleted by retention, %d records read again after a cut interrupted their segment's deletion; %d damage reports",
		m.records, m.reshards, m.checkpointAcks, m.present, m.expired, m.rolled, m.deleted, m.belowFloor, m.damage)
	t.Logf("shards power-cut test: %v", st)
}
