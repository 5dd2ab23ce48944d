package shards

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestPutLimits(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "limits", StreamConfig{Shards: 2})
	ctx := context.Background()
	many := func(n int, size int) []PutEntry {
		es := make([]PutEntry, n)
		for i := range es {
			es[i] = PutEntry{PartitionKey: keyFor(i), Data: make([]byte, size)}
		}
		return es
	}
	for _, tc := range []struct {
		name    string
		entries []PutEntry
		want    error
	}{
		{"no records", nil, ErrInvalidArgument},
		{"501 records", many(501, 1), ErrLimitExceeded},
		{"empty partition key", []PutEntry{{PartitionKey: "", Data: []byte("x")}}, ErrInvalidArgument},
		{"257-character partition key", []PutEntry{{PartitionKey: strings.Repeat("k", 257)}}, ErrInvalidArgument},
		{"record over 1 MiB", []PutEntry{{PartitionKey: "k", Data: make([]byte, 1<<20)}}, ErrLimitExceeded},
		{"call over 5 MiB", many(6, 1000*1000), ErrLimitExceeded},
		{"explicit hash key not a number", []PutEntry{{PartitionKey: "k", ExplicitHashKey: "0x10"}}, ErrInvalidArgument},
		{"explicit hash key over 2^128-1", []PutEntry{{PartitionKey: "k", ExplicitHashKey: "340282366920938463463374607431768211456"}}, ErrInvalidArgument},
		{"one bad record fails the call", append(many(10, 10), PutEntry{PartitionKey: ""}), ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats().RecordsIn
			_, err := s.PutRecords(ctx, tc.entries)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := s.Stats().RecordsIn; got != before {
				t.Fatalf("a refused put wrote %d records", got-before)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		entries []PutEntry
	}{
		{"500 records", many(500, 10)},
		{"256 multi-byte characters", []PutEntry{{PartitionKey: strings.Repeat("é", 256), Data: []byte("x")}}},
		{"record of exactly 1 MiB with its key", []PutEntry{{PartitionKey: "k", Data: make([]byte, 1<<20-1)}}},
		{"5 MiB call", many(5, 1<<20-16)},
		{"empty data", []PutEntry{{PartitionKey: "k"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.PutRecords(ctx, tc.entries)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(tc.entries) {
				t.Fatalf("%d results for %d records", len(res), len(tc.entries))
			}
		})
	}
}

func TestMaxRecordSizeConfigurable(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "big", StreamConfig{})
	big := PutEntry{PartitionKey: "k", Data: bytes.Repeat([]byte{1}, 8<<20)}
	if _, err := s.PutRecord(context.Background(), big); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("8 MiB record with the default limit: %v", err)
	}
	if err := s.Reconfigure(func(c *StreamConfig) { c.MaxRecordSize = MaxMaxRecordSize }); err != nil {
		t.Fatal(err)
	}
	r, err := s.PutRecord(context.Background(), big)
	if err != nil {
		t.Fatalf("8 MiB record with a 10 MiB limit: %v", err)
	}
	c, _ := s.Iterator(r.ShardID, AtSequenceNumber, r.SequenceNumber, zeroTime)
	res, err := s.Read(c, 1)
	if err != nil || len(res.Records) != 1 || !bytes.Equal(res.Records[0].Data, big.Data) {
		t.Fatalf("read back: %v", err)
	}
	if err := s.Reconfigure(func(c *StreamConfig) { c.MaxRecordSize = MaxMaxRecordSize + 1 }); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("11 MiB limit: %v", err)
	}
}

func TestRoutingByHashKey(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "route", StreamConfig{Shards: 4})
	shards := s.Shards()
	for i := 0; i < 200; i++ {
		r := mustPut(t, s, keyFor(i), "x")
		h := HashPartitionKey(keyFor(i))
		for _, sh := range shards {
			if sh.HashKeyRange.contains(h) && sh.ShardID != r.ShardID {
				t.Fatalf("key %s (hash %s) went to %s, range owner is %s", keyFor(i), h, r.ShardID, sh.ShardID)
			}
		}
	}
	// An explicit hash key overrides the partition key.
	for _, sh := range shards {
		r, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: "same", ExplicitHashKey: sh.HashKeyRange.End.String()})
		if err != nil || r.ShardID != sh.ShardID {
			t.Fatalf("explicit hash key %s: %s, %v", sh.HashKeyRange.End, r.ShardID, err)
		}
	}
}

func TestSequenceNumbersIncreasePerShard(t *testing.T) {
	st, dir := openTestStore(t, Options{})
	s := mustCreate(t, st, "seq", StreamConfig{Shards: 1})
	last := ""
	for i := 0; i < 50; i++ {
		r := mustPut(t, s, "k", "x")
		if r.SequenceNumber <= last || len(r.SequenceNumber) != 56 {
			t.Fatalf("%s after %s", r.SequenceNumber, last)
		}
		last = r.SequenceNumber
	}
	// And across a restart.
	st.Close()
	st2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s2, _ := st2.Stream("seq")
	if r := mustPut(t, s2, "k", "x"); r.SequenceNumber <= last {
		t.Fatalf("after reopen %s <= %s", r.SequenceNumber, last)
	}
}

func TestPutAfterClose(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "c", StreamConfig{})
	st.Close()
	if _, err := s.PutRecord(context.Background(), PutEntry{PartitionKey: "k"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("put after close: %v", err)
	}
}

func TestPutContextCanceled(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "c", StreamConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.PutRecord(ctx, PutEntry{PartitionKey: "k"}); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled put: %v", err)
	}
}

// Puts submitted one after another are stored in that order, whoever waits.
func TestSubmitKeepsOrder(t *testing.T) {
	st, _ := openTestStore(t, Options{})
	s := mustCreate(t, st, "order", StreamConfig{Shards: 1})
	ctx := context.Background()
	var pending []*Pending
	for i := 0; i < 200; i++ {
		p, err := s.Submit(ctx, []PutEntry{{PartitionKey: "k", Data: []byte(strconv.Itoa(i))}})
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, p)
	}
	for i := len(pending) - 1; i >= 0; i-- { // wait in reverse: the order is the queue's
		if _, err := pending[i].Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := payloads(readShardFrom(t, s, ShardID(0), TrimHorizon))
	for i, p := range got {
		if p != strconv.Itoa(i) {
			t.Fatalf("record %d is %q", i, p)
		}
	}
	if len(got) != 200 {
		t.Fatalf("%d records", len(got))
	}
	if _, err := s.Submit(ctx, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("empty submit: %v", err)
	}
}
