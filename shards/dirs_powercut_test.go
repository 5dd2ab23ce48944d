//go:build linux && !arm && !386 && !mips && !mipsle

package shards

// Power-cut tests of the store's directories, one loss each, found by
// TestPowerCut: a new store's catalog and directories, a new stream's
// directory, and a segment deleted by retention.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
)

// pcJoin joins the first few errors and counts the rest.
func pcJoin(errs []error) error {
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Errorf("and %d more", len(errs)-5))
	}
	return errors.Join(errs...)
}

// pcPutOne puts one record and returns its sequence number.
func pcPutOne(s *Stream, data string) (string, error) {
	r, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: "k", Data: []byte(data)})
	return r.SequenceNumber, err
}

// pcHasRecord reports whether stream holds the record seq with data.
func pcHasRecord(st *Store, stream, seq, data string) error {
	s, err := st.Stream(stream)
	if err != nil {
		return err
	}
	_, shard, _, err := parseSeq(seq)
	if err != nil {
		return err
	}
	c, err := s.Iterator(ShardID(shard), AtSequenceNumber, seq, time.Time{})
	if err != nil {
		return err
	}
	res, err := s.Read(c, 1)
	if err != nil {
		return err
	}
	if len(res.Records) == 0 || res.Records[0].SequenceNumber() != seq || string(res.Records[0].Data) != data {
		return fmt.Errorf("record %s is not there", seq)
	}
	return nil
}

// pcOpenCopy opens a copy of the store in dir.
func pcOpenCopy(t *testing.T, dir string) (*Store, error) {
	tmp := filepath.Join(t.TempDir(), "shards")
	if err := powercut.CopyDir(dir, tmp); err != nil {
		return nil, err
	}
	return Open(tmp, Options{})
}

// TestPowerCutNewStoreChild opens stores in new directories, as the
// gateway does at its first start (DATA_DIR/shards), each with a stream
// and a record, and acknowledges each: "dir seq".
func TestPowerCutNewStoreChild(t *testing.T) {
	c := powercut.StartChild(t)
	c.Ready()
	for k := 0; ; k++ {
		name := fmt.Sprintf("store-%d-%d", c.Cycle, k)
		st, err := Open(filepath.Join(c.Dir, name), Options{})
		if err != nil {
			c.Fatalf("open %s: %v", name, err)
		}
		s, err := st.CreateStream("s", StreamConfig{})
		if err != nil {
			c.Fatalf("create a stream in %s: %v", name, err)
		}
		seq, err := pcPutOne(s, name)
		if err != nil {
			c.Fatalf("put in %s: %v", name, err)
		}
		c.Ack("%s %s", name, seq)
		st.Close()
	}
}

func TestPowerCutNewStore(t *testing.T) {
	var acked []string
	st := powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutNewStoreChild", Cycles: 6, MaxAcks: 5, MaxWait: 200 * time.Millisecond,
		Check: func(cy *powercut.Cycle) error {
			acked = append(acked, cy.Acks...)
			var errs []error
			for _, a := range acked {
				name, seq, _ := strings.Cut(a, " ")
				dir := filepath.Join(cy.Dir, name)
				if _, err := os.Stat(filepath.Join(dir, "catalog.db")); err != nil {
					errs = append(errs, fmt.Errorf("store %s, acknowledged with a record, has no catalog after the cut: %w", name, err))
					continue
				}
				st, err := pcOpenCopy(t, dir)
				if err != nil {
					return err
				}
				if err := pcHasRecord(st, "s", seq, name); err != nil {
					errs = append(errs, fmt.Errorf("store %s: %w", name, err))
				}
				st.Close()
			}
			return pcJoin(errs)
		},
	})
	if st.Acks == 0 {
		t.Fatal("no store was acknowledged: the test tested nothing")
	}
}

// TestPowerCutNewStreamChild creates streams, each with a record, in a
// store whose own directories the test has made durable, and
// acknowledges each: "stream seq".
func TestPowerCutNewStreamChild(t *testing.T) {
	c := powercut.StartChild(t)
	dir := filepath.Join(c.Dir, "shards")
	st, err := Open(dir, Options{})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	for _, d := range []string{c.Dir, dir, filepath.Join(dir, "streams")} {
		if err := syncDir(d); err != nil {
			c.Fatalf("sync %s: %v", d, err)
		}
	}
	c.Ready()
	for k := 0; ; k++ {
		name := fmt.Sprintf("s-%d-%d", c.Cycle, k)
		s, err := st.CreateStream(name, StreamConfig{})
		if err != nil {
			c.Fatalf("create %s: %v", name, err)
		}
		seq, err := pcPutOne(s, name)
		if err != nil {
			c.Fatalf("put in %s: %v", name, err)
		}
		c.Ack("%s %s", name, seq)
	}
}

func TestPowerCutNewStream(t *testing.T) {
	var acked []string
	st := powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutNewStreamChild", Cycles: 6, MaxAcks: 5, MaxWait: 200 * time.Millisecond,
		Check: func(cy *powercut.Cycle) error {
			acked = append(acked, cy.Acks...)
			if len(acked) == 0 {
				return nil // cut before the first stream, maybe before the store
			}
			st, err := pcOpenCopy(t, filepath.Join(cy.Dir, "shards"))
			if err != nil {
				return err
			}
			defer st.Close()
			var errs []error
			for _, a := range acked {
				name, seq, _ := strings.Cut(a, " ")
				if err := pcHasRecord(st, name, seq, name); err != nil {
					errs = append(errs, fmt.Errorf("stream %s, acknowledged with a record: %w", name, err))
				}
			}
			return pcJoin(errs)
		},
	})
	if st.Acks == 0 {
		t.Fatal("no stream was acknowledged: the test tested nothing")
	}
}

// TestPowerCutRetentionDeleteChild fills a stream past its byte limit
// until retention deletes a segment, acknowledges the files deleted
// ("deleted name..."), and then writes nothing more, so that no later
// sync of the directory makes the deletion durable by the way.
func TestPowerCutRetentionDeleteChild(t *testing.T) {
	c := powercut.StartChild(t)
	dir := filepath.Join(c.Dir, "shards")
	st, err := Open(dir, Options{})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	name := fmt.Sprintf("s-%d", c.Cycle)
	s, err := st.CreateStream(name, StreamConfig{MaxBytes: MinMaxBytes, OnFull: OverwriteOldest})
	if err != nil {
		c.Fatalf("create: %v", err)
	}
	// The store and the stream must last: this tests the deletion.
	for _, d := range []string{c.Dir, dir, filepath.Join(dir, "streams")} {
		if err := syncDir(d); err != nil {
			c.Fatalf("sync %s: %v", d, err)
		}
	}
	c.Ready()
	segs := func() map[string]bool {
		files, _ := filepath.Glob(filepath.Join(s.dir, "*"+segmentExt))
		out := map[string]bool{}
		for _, f := range files {
			out[filepath.Base(f)] = true
		}
		return out
	}
	seen := map[string]bool{}
	data := strings.Repeat("x", 8<<10)
	for {
		entries := make([]PutEntry, 50)
		for i := range entries {
			entries[i] = PutEntry{PartitionKey: fmt.Sprint(i), Data: []byte(data)}
		}
		if _, err := s.PutRecords(context.Background(), entries); err != nil {
			c.Fatalf("put: %v", err)
		}
		now := segs()
		var gone []string
		for f := range seen {
			if !now[f] {
				gone = append(gone, filepath.Join("shards", "streams", filepath.Base(s.dir), f))
			}
		}
		if len(gone) > 0 {
			c.Ack("deleted %s", strings.Join(gone, " "))
			select {} // until the cut
		}
		for f := range now {
			seen[f] = true
		}
	}
}

func TestPowerCutRetentionDelete(t *testing.T) {
	deleted := 0
	powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutRetentionDeleteChild", Cycles: 6, MaxAcks: 1, MaxWait: 2 * time.Second,
		Check: func(cy *powercut.Cycle) error {
			var errs []error
			for _, a := range cy.Acks {
				for _, f := range strings.Fields(a)[1:] {
					deleted++
					if _, err := os.Stat(filepath.Join(cy.Dir, f)); !errors.Is(err, fs.ErrNotExist) {
						errs = append(errs, fmt.Errorf("segment %s, deleted by retention, is back after the cut (%v)", f, err))
					}
				}
			}
			return pcJoin(errs)
		},
	})
	if deleted == 0 {
		t.Fatal("retention deleted no segment before a cut: the test tested nothing")
	}
}
