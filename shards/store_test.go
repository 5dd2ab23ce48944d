package shards

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestCreateStreamValidation(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	for _, tc := range []struct {
		name string
		cfg  StreamConfig
		want error
	}{
		{"", StreamConfig{}, ErrInvalidArgument},
		{"..", StreamConfig{}, ErrInvalidArgument},
		{"has/slash", StreamConfig{}, ErrInvalidArgument},
		{"ok-zero-shards-too-many", StreamConfig{Shards: MaxShards + 1}, ErrInvalidArgument},
		{"ok-retention-too-short", StreamConfig{Retention: 30 * time.Second}, ErrInvalidArgument},
		{"ok-retention-too-long", StreamConfig{Retention: MaxRetention + time.Hour}, ErrInvalidArgument},
		{"ok-bad-policy", StreamConfig{OnFull: "drop_everything"}, ErrInvalidArgument},
		{"ok-tiny-limit", StreamConfig{MaxBytes: 1000}, ErrInvalidArgument},
		{"ok-record-too-big", StreamConfig{MaxRecordSize: 11 << 20}, ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := st.CreateStream(tc.name, tc.cfg); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	s := mustCreate(t, st, "defaults", StreamConfig{})
	c := s.Config()
	if c.Shards != 1 || c.Retention != DefaultRetention || c.OnFull != OverwriteOldest || c.MaxRecordSize != DefaultMaxRecordSize {
		t.Fatalf("defaults: %+v", c)
	}
	if _, err := st.CreateStream("defaults", StreamConfig{}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := st.Stream("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown stream: %v", err)
	}
}

func TestDeleteStream(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "gone", StreamConfig{Shards: 2})
	r := mustPut(t, s, "k", "x")
	s.RegisterConsumer("c")
	if err := st.DeleteStream("gone"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteStream("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "streams", "gone-*")); len(m) != 0 {
		t.Fatalf("files left: %v", m)
	}
	// The name can be reused; the old sequence numbers do not fit the new stream.
	s2 := mustCreate(t, st, "gone", StreamConfig{Shards: 2})
	if _, err := s2.Iterator(r.ShardID, AtSequenceNumber, r.SequenceNumber, zeroTime); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("old sequence number on new stream: %v", err)
	}
	if cs, _ := s2.Consumers(); len(cs) != 0 {
		t.Fatalf("consumers survived deletion: %v", cs)
	}
	if len(readShardFrom(t, s2, r.ShardID, TrimHorizon)) != 0 {
		t.Fatal("records survived deletion")
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	a := mustCreate(t, st, "a", StreamConfig{Shards: 3, Retention: 48 * time.Hour, MaxBytes: 64 << 20, OnFull: RejectNew})
	mustCreate(t, st, "b", StreamConfig{})
	for i := 0; i < 100; i++ {
		mustPut(t, a, keyFor(i), "x")
	}
	if err := a.SetTags(map[string]string{"site": "north"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetAttributes(map[string]string{"mode": "ON_DEMAND", "gone": "x"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetAttributes(map[string]string{"gone": ""}); err != nil {
		t.Fatal(err)
	}
	wantInfo := a.Describe()
	st.Close()
	// An orphaned directory (a crash mid-delete) is cleaned up at open.
	os.MkdirAll(filepath.Join(dir, "streams", "orphan-1"), 0o700)
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if got := st2.Streams(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("streams %v", got)
	}
	a2, _ := st2.Stream("a")
	info := a2.Describe()
	if !reflect.DeepEqual(info.Config, wantInfo.Config) || info.ID != wantInfo.ID || info.Tags["site"] != "north" || len(info.Shards) != 3 ||
		len(info.Attributes) != 1 || info.Attributes["mode"] != "ON_DEMAND" {
		t.Fatalf("after reopen %+v, want %+v", info, wantInfo)
	}
	n := 0
	for _, sh := range a2.Shards() {
		n += len(readShardFrom(t, a2, sh.ShardID, TrimHorizon))
	}
	if n != 100 {
		t.Fatalf("%d records after reopen", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "streams", "orphan-1")); !os.IsNotExist(err) {
		t.Fatal("orphan directory not removed")
	}
}

func TestOpenLocked(t *testing.T) {
	_, dir := openTestStore(t, Options{})
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
}

func TestTags(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "tags", StreamConfig{})
	s.SetTags(map[string]string{"a": "1", "b": "2"})
	s.RemoveTags([]string{"a", "zzz"})
	if tags := s.Describe().Tags; len(tags) != 1 || tags["b"] != "2" {
		t.Fatalf("tags %v", tags)
	}
	many := map[string]string{}
	for i := 0; i < 51; i++ {
		many[keyFor(i)] = "v"
	}
	if err := s.SetTags(many); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("51 tags: %v", err)
	}
}

func TestRecreatedStreamGetsANewIDWhenTheClockStandsStill(t *testing.T) {
	clock := newFakeClock()
	st, dir := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "again", StreamConfig{})
	r := mustPut(t, s, "k", "x")
	if err := st.DeleteStream("again"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st2, err := Open(dir, Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2 := mustCreate(t, st2, "again", StreamConfig{})
	if _, err := s2.Iterator(r.ShardID, AtSequenceNumber, r.SequenceNumber, zeroTime); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("a sequence number of the deleted stream was accepted: %v", err)
	}
}

func TestNoRecordAtTheStartingSequenceNumber(t *testing.T) {
	clock := newFakeClock()
	st, _ := openTestStore(t, Options{Clock: clock.Now})
	s := mustCreate(t, st, "start", StreamConfig{Shards: 1})
	mustPut(t, s, "k", "first") // same millisecond as the creation
	start := s.Shards()[0].StartingSequenceNumber
	recs := readShardFrom(t, s, ShardID(0), TrimHorizon)
	c, err := s.Iterator(ShardID(0), AfterSequenceNumber, start, zeroTime)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := readAll(t, s, c); len(after) != len(recs) || len(recs) != 1 {
		t.Fatalf("AFTER the starting sequence number: %d of %d records", len(after), len(recs))
	}
}
