package shards

import (
	"errors"
	"testing"
)

func TestSequenceNumberRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		id    int64
		shard int
		pos   uint64
	}{
		{1, 0, 1},
		{1780000000000000000, 12, posAt(1780000000000) | 5},
		{1<<62 + 3, 1<<31 - 1, ^uint64(0)},
	} {
		s := formatSeq(tc.id, tc.shard, tc.pos)
		if len(s) != 56 {
			t.Fatalf("len %d: %s", len(s), s)
		}
		id, shard, pos, err := parseSeq(s)
		if err != nil || id != tc.id || shard != tc.shard || pos != tc.pos {
			t.Fatalf("parse %s = %d %d %d %v", s, id, shard, pos, err)
		}
	}
	// Strictly increasing positions give strictly increasing strings.
	a, b := formatSeq(7, 3, 99), formatSeq(7, 3, 100)
	if !(a < b) {
		t.Fatalf("%s !< %s", a, b)
	}
}

func TestParseSequenceNumberRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"49",
		"4959058000000000000000000000000000000000000000000000000",  // 55 digits
		"39590580000000000000000000000000000000000000000000000000", // wrong prefix
		"4959058000000000000000000000000000000000000000000000000x",
		"49999999999999999999990000000000000000000000000000000000", // position overflows uint64
	} {
		if _, _, _, err := parseSeq(s); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("parseSeq(%q) = %v, want ErrInvalidArgument", s, err)
		}
	}
}

func TestShardID(t *testing.T) {
	if got := ShardID(7); got != "shardId-000000000007" {
		t.Fatalf("ShardID(7) = %s", got)
	}
	for in, want := range map[string]int{"shardId-000000000007": 7, "7": 7, "000000000012": 12} {
		if got, err := ParseShardID(in); err != nil || got != want {
			t.Errorf("ParseShardID(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "shardId-", "shardId-x", "shard-1", "-1"} {
		if _, err := ParseShardID(in); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseShardID(%q) = %v, want ErrInvalidArgument", in, err)
		}
	}
}
