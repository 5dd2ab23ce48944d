package firehose

import (
	"bytes"
	"slices"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestMakePlan(t *testing.T) {
	rec := func(size int) uplink.Record { return uplink.Record{Data: bytes.Repeat([]byte{'x'}, size)} }
	many := func(n, size int) []uplink.Record {
		out := make([]uplink.Record, n)
		for i := range out {
			out[i] = rec(size)
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
		{"one empty record", many(1, 0), []int{1}, nil},
		{"500 exactly", many(500, 1), []int{500}, nil},
		{"501", many(501, 1), []int{500, 1}, nil},
		// 4 × 1,000 KiB + 96 KiB is exactly 4 MiB.
		{"4 MiB exactly", append(many(4, 1000<<10), rec(96<<10)), []int{5}, nil},
		{"4 MiB and a byte", append(many(4, 1000<<10), rec(96<<10+1)), []int{4, 1}, nil},
		{"1,000 KiB is allowed", many(1, 1000<<10), []int{1}, nil},
		{"refused in between", []uplink.Record{rec(1), rec(1000<<10 + 1), rec(1)}, []int{2}, []int{1}},
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
