package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// runSelfcheck exercises the storage engine on this machine: puts, reads by every iterator
// type, a split, a reopen. `make pi-check` runs it under qemu for each Raspberry Pi build,
// where 32-bit ARM is the platform most likely to differ (atomics alignment, mmap limits).
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
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	n, err := selfcheck(dir)
	if err != nil {
		return fmt.Errorf("selfcheck: %w", err)
	}
	fmt.Printf("selfcheck ok: %d records written, read back, split and reopened in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func selfcheck(dir string) (int, error) {
	ctx := context.Background()
	st, err := shards.Open(dir, shards.Options{})
	if err != nil {
		return 0, err
	}
	defer func() { st.Close() }()
	s, err := st.CreateStream("selfcheck", shards.StreamConfig{Shards: 2})
	if err != nil {
		return 0, err
	}
	const batches, perBatch = 20, 100
	put := func(round int) error {
		for b := 0; b < batches; b++ {
			es := make([]shards.PutEntry, perBatch)
			for i := range es {
				es[i] = shards.PutEntry{PartitionKey: fmt.Sprintf("k%d", i), Data: fmt.Appendf(nil, "%d/%d/%d", round, b, i)}
			}
			if _, err := s.PutRecords(ctx, es); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(0); err != nil {
		return 0, err
	}
	if got := countAll(s); got != batches*perBatch {
		return 0, fmt.Errorf("read back %d records, want %d", got, batches*perBatch)
	}
	first := s.Shards()[0]
	mid := "85070591730234615865843651857942052864" // 2^126: inside shard 0 of two
	if err := s.SplitShard(first.ShardID, mid); err != nil {
		return 0, err
	}
	if err := put(1); err != nil {
		return 0, err
	}
	st.Close()
	if st, err = shards.Open(dir, shards.Options{}); err != nil {
		return 0, fmt.Errorf("reopen: %w", err)
	}
	if s, err = st.Stream("selfcheck"); err != nil {
		return 0, err
	}
	want := 2 * batches * perBatch
	if got := countAll(s); got != want {
		return 0, fmt.Errorf("after reopen read %d records, want %d", got, want)
	}
	if open := s.Describe().OpenShards; open != 3 {
		return 0, fmt.Errorf("after split %d open shards, want 3", open)
	}
	return want, nil
}

// countAll reads every shard from the trim horizon, checking that sequence numbers rise.
func countAll(s *shards.Stream) int {
	n := 0
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			return -1
		}
		last := ""
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				return -1
			}
			for i := range res.Records {
				seq := res.Records[i].SequenceNumber()
				if seq <= last {
					return -1
				}
				last = seq
			}
			n += len(res.Records)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return n
}
