package query

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/shards"
)

// testManager opens a store and a manager in a fresh directory.
func testManager(t testing.TB) (*Manager, *shards.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := shards.Open(filepath.Join(dir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := &Manager{Store: st, Dir: filepath.Join(dir, "queries")}
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	m.Run()
	t.Cleanup(func() {
		m.Close()
		st.Close()
	})
	return m, st
}

// apply prepares a script and declares and creates what it holds.
func apply(t testing.TB, m *Manager, script string) {
	t.Helper()
	p, err := m.Prepare(script, "test", false)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	for _, d := range p.Decls {
		m.cat.Declare(d)
	}
	for _, d := range p.Queries {
		if err := m.Create(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
}

func mustStream(t testing.TB, st *shards.Store, name string, n int) *shards.Stream {
	t.Helper()
	s, err := st.CreateStream(name, shards.StreamConfig{Shards: n})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t testing.TB, s *shards.Stream, key string, data ...string) {
	t.Helper()
	entries := make([]shards.PutEntry, len(data))
	for i, d := range data {
		entries[i] = shards.PutEntry{PartitionKey: key, Data: []byte(d)}
	}
	if _, err := s.PutRecords(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
}

// records reads a whole stream, shard after shard, as "key data" lines.
func records(t testing.TB, st *shards.Store, name string) []string {
	t.Helper()
	s, err := st.Stream(name)
	if err != nil {
		return nil
	}
	var out []string
	for _, info := range s.Shards() {
		c, err := s.Iterator(info.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				out = append(out, r.PartitionKey+" "+string(r.Data))
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return out
}

// waitRecords waits until a stream holds n records and returns them.
func waitRecords(t testing.TB, st *shards.Store, name string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := records(t, st, name)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d records, want %d:\n%s", name, len(got), n, strings.Join(got, "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func reading(device string, temp float64, sec int) string {
	return fmt.Sprintf(`{"device":%q,"temp":%g,"ts":%d}`, device, temp, sec)
}

func sleepTick() { time.Sleep(5 * time.Millisecond) }

func planLimitsZero() plan.Limits { return plan.Limits{} }
