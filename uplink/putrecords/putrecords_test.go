package putrecords

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestSplit(t *testing.T) {
	size := func(r uplink.Record) int { return len(r.Data) }
	check := func(i int, r uplink.Record) *uplink.RecordError {
		if len(r.Data) > 4 {
			return &uplink.RecordError{Index: i, Code: "TooLarge"}
		}
		return nil
	}
	recs := func(sizes ...int) []uplink.Record {
		out := make([]uplink.Record, len(sizes))
		for i, n := range sizes {
			out[i] = uplink.Record{Data: make([]byte, n)}
		}
		return out
	}
	lim := Limits{Records: 3, Bytes: 6}
	for _, tc := range []struct {
		name    string
		recs    []uplink.Record
		calls   string
		refused []int
	}{
		{"empty", nil, "[]", nil},
		{"by count", recs(0, 0, 0, 0), "[[0 1 2] [3]]", nil},
		{"by bytes", recs(4, 2, 1), "[[0 1] [2]]", nil},
		{"refused in between", recs(1, 5, 1), "[[0 2]]", []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, refused := Split(tc.recs, lim, size, check)
			var idx []int
			for _, r := range refused {
				idx = append(idx, r.Index)
			}
			if got := fmt.Sprint(calls); got != tc.calls || !slices.Equal(idx, tc.refused) {
				t.Fatalf("calls %s refused %v, want %s %v", got, idx, tc.calls, tc.refused)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	unsent := Unsent("Unreachable", errors.New("down"), []int{3}, []int{1})
	bad := []uplink.RecordError{{Index: 2, Code: "TooLarge"}}
	for _, tc := range []struct {
		name            string
		failed, refused []uplink.RecordError
		want            []int // indices failed; nil for a nil error
		permanent       bool
	}{
		{"all delivered", nil, nil, nil, false},
		{"only refused", nil, bad, []int{2}, true},
		{"refused ride along", slices.Clone(unsent), bad, []int{1, 2, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Outcome(tc.failed, tc.refused)
			var pe *uplink.PartialError
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &pe) {
				t.Fatalf("want a PartialError, got %v", err)
			}
			var idx []int
			for _, f := range pe.Failed {
				idx = append(idx, f.Index)
			}
			if !slices.Equal(idx, tc.want) || pe.Permanent != tc.permanent {
				t.Fatalf("failed %v permanent %v, want %v %v", idx, pe.Permanent, tc.want, tc.permanent)
			}
		})
	}
}
