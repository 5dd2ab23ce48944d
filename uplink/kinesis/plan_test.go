package kinesis

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestMakePlan(t *testing.T) {
	rec := func(key string, size int) uplink.Record {
		return uplink.Record{PartitionKey: key, Data: bytes.Repeat([]byte{'x'}, size)}
	}
	many := func(n int, r uplink.Record) []uplink.Record {
		out := make([]uplink.Record, n)
		for i := range out {
			out[i] = r
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		recs    []uplink.Record
		calls   []int // records per call
		refused []int
	}{
		{"empty", nil, nil, nil},
		{"one", many(1, rec("k", 0)), []int{1}, nil},
		{"500 exactly", many(500, rec("k", 1)), []int{500}, nil},
		{"501", many(501, rec("k", 1)), []int{500, 1}, nil},
		// 5 records of 1 MiB - 1 byte with a 1-byte key are exactly 5 MiB.
		{"5 MiB exactly", many(5, rec("k", 1<<20-1)), []int{5}, nil},
		{"5 MiB and a byte", append(many(5, rec("k", 1<<20-1)), rec("k", 0)), []int{5, 1}, nil},
		// the key counts: 1 MiB - 1 of data with a 2-byte key is too large.
		{"key counts", []uplink.Record{rec("kk", 1<<20-1), rec("k", 1<<20-1)}, []int{1}, []int{0}},
		{"refused in between", []uplink.Record{rec("k", 1), rec("", 1), rec(strings.Repeat("k", 257), 1), rec("k", 1)}, []int{2}, []int{1, 2}},
		{"256 characters", []uplink.Record{rec(strings.Repeat("é", 256), 1)}, []int{1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := makePlan(tc.recs)
			var calls, refused []int
			next := 0
			for _, c := range p.calls {
				calls = append(calls, len(c))
				for _, i := range c {
					for slices.Contains(tc.refused, next) {
						next++
					}
					if i != next {
						t.Fatalf("record %d planned where %d was due", i, next)
					}
					next++
				}
			}
			for _, r := range p.refused {
				refused = append(refused, r.Index)
			}
			if !slices.Equal(calls, tc.calls) || !slices.Equal(refused, tc.refused) {
				t.Fatalf("calls %v refused %v, want %v %v", calls, refused, tc.calls, tc.refused)
			}
		})
	}
}
