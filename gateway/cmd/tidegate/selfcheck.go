package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// runSelfcheck exercises the storage engine on this machine: puts, reads, a split, a reopen.
// `make pi-check` runs it under qemu for each Raspberry Pi build, where 32-bit ARM is the
// platform most likely to differ (atomics alignment, mmap limits); there nobody can attach
// a debugger, so a failure names its step, the stream or shard and the underlying error.
func runSelfcheck(args []string) error {
	fs := newFlagSet("selfcheck", "[--data-dir DIR]")
	dataDir := fs.String("data-dir", "", "an empty scratch directory (default: a temporary one, removed after)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tidegate-selfcheck-")
		if err != nil {
			return fmt.Errorf("selfcheck: scratch directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	c := &selfcheck{dir: dir}
	defer c.closeStore()
	if err := runSteps(context.Background(), c.steps()); err != nil {
		return fmt.Errorf("selfcheck in %s: %w", dir, err)
	}
	fmt.Printf("selfcheck ok: %d records written, read back, split and reopened in %s\n", c.want, time.Since(start).Round(time.Millisecond))
	return nil
}

// selfcheckStream is the stream the self-check creates.
const selfcheckStream = "selfcheck"

// The self-check puts selfcheckBatches × selfcheckPerBatch records per round.
const selfcheckBatches, selfcheckPerBatch = 20, 100

// selfcheck is the state its steps share.
type selfcheck struct {
	dir  string
	st   *shards.Store
	s    *shards.Stream
	want int64 // records put so far
}

// step is one named stage of the self-check.
type step struct {
	name string
	run  func(context.Context) error
}

func (c *selfcheck) steps() []step {
	return []step{
		{"open the store", c.open},
		{"create the stream", c.create},
		{"put the first round", func(ctx context.Context) error { return c.put(ctx, 0) }},
		{"read back", c.readBack},
		{"split a shard", c.split},
		{"put the second round", func(ctx context.Context) error { return c.put(ctx, 1) }},
		{"close the store", c.close},
		{"reopen the store", c.reopen},
		{"read back after the reopen", c.readBack},
		{"count the open shards", c.openShards},
	}
}

// runSteps runs steps in order and stops at the first failure, naming it.
func runSteps(ctx context.Context, steps []step) error {
	for i, st := range steps {
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("step %d of %d (%s): %w", i+1, len(steps), st.name, err)
		}
	}
	return nil
}

func (c *selfcheck) open(context.Context) error {
	st, err := shards.Open(c.dir, shards.Options{})
	if err != nil {
		return fmt.Errorf("open store in %s: %w", c.dir, err)
	}
	c.st = st
	return nil
}

func (c *selfcheck) create(context.Context) error {
	s, err := c.st.CreateStream(selfcheckStream, shards.StreamConfig{Shards: 2})
	if err != nil {
		if errors.Is(err, shards.ErrExists) {
			return fmt.Errorf("%w (the data directory must be empty)", err)
		}
		return err
	}
	c.s = s
	return nil
}

func (c *selfcheck) put(ctx context.Context, round int) error {
	for b := 0; b < selfcheckBatches; b++ {
		es := make([]shards.PutEntry, selfcheckPerBatch)
		for i := range es {
			es[i] = shards.PutEntry{PartitionKey: fmt.Sprintf("k%d", i), Data: fmt.Appendf(nil, "%d/%d/%d", round, b, i)}
		}
		if _, err := c.s.PutRecords(ctx, es); err != nil {
			return fmt.Errorf("stream %q: batch %d of %d: %w", selfcheckStream, b+1, selfcheckBatches, err)
		}
		c.want += selfcheckPerBatch
	}
	return nil
}

// readBack reads every shard to its end and checks the count and that sequence numbers
// rise within each shard.
func (c *selfcheck) readBack(ctx context.Context) error {
	var (
		mu   sync.Mutex
		last = map[string]string{}
	)
	got, err := c.s.ReadToEnd(ctx, func(shardID string, recs []shards.Record) error {
		mu.Lock()
		defer mu.Unlock()
		for i := range recs {
			seq := recs[i].SequenceNumber()
			if seq <= last[shardID] {
				return fmt.Errorf("sequence number %s follows %s", seq, last[shardID])
			}
			last[shardID] = seq
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got.Records != c.want {
		return fmt.Errorf("stream %q: read %d records, want %d", selfcheckStream, got.Records, c.want)
	}
	return nil
}

func (c *selfcheck) split(context.Context) error {
	first := c.s.Shards()[0]
	mid := "85070591730234615865843651857942052864" // 2^126: inside shard 0 of two
	if err := c.s.SplitShard(first.ShardID, mid); err != nil {
		return fmt.Errorf("stream %q: split %s at %s: %w", selfcheckStream, first.ShardID, mid, err)
	}
	return nil
}

func (c *selfcheck) close(context.Context) error {
	st := c.st
	c.st, c.s = nil, nil
	if err := st.Close(); err != nil {
		return fmt.Errorf("close store in %s: %w", c.dir, err)
	}
	return nil
}

func (c *selfcheck) reopen(ctx context.Context) error {
	if err := c.open(ctx); err != nil {
		return err
	}
	s, err := c.st.Stream(selfcheckStream)
	if err != nil {
		return err
	}
	c.s = s
	return nil
}

func (c *selfcheck) openShards(context.Context) error {
	if open := c.s.Describe().OpenShards; open != 3 {
		return fmt.Errorf("stream %q: %d open shards after splitting one of two, want 3", selfcheckStream, open)
	}
	return nil
}

// closeStore closes the store if a step left it open (a failure, or the last step).
func (c *selfcheck) closeStore() {
	if c.st != nil {
		c.st.Close()
	}
}
