package frames

import (
	"testing"
	"time"
)

// The sampler picks the first frame at or after each instant, each frame
// once, none for an instant in a gap, and stops at End.
func TestSampler(t *testing.T) {
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	// 25 fps for a second, a gap of 2 s, then a second more; keyframes
	// every 10 frames.
	var frs []frame
	for i := range 50 {
		at := i * 40
		if i >= 25 {
			at += 2000
		}
		frs = append(frs, frame{index: i, server: ms(at), key: i%10 == 0})
	}
	for _, tc := range []struct {
		name string
		req  Request
		want []int // frame indexes
	}{
		{"every frame", Request{Start: t0}, seq(0, 50, 1)},
		{"every 10 ms", Request{Start: t0, Every: 10 * time.Millisecond}, seq(0, 50, 1)},
		{"every 200 ms", Request{Start: t0, Every: 200 * time.Millisecond}, []int{0, 5, 10, 15, 20, 25, 30, 35, 40, 45}},
		{"every 500 ms", Request{Start: t0, Every: 500 * time.Millisecond}, []int{0, 13, 25, 38}},
		{"from 30 ms", Request{Start: ms(30), Every: time.Second}, []int{1, 25, 26}},
		{"until 120 ms", Request{Start: t0, End: ms(120)}, []int{0, 1, 2}},
		{"keyframes", Request{Start: t0, Keyframes: true}, []int{0, 10, 20, 30, 40}},
		{"keyframes every 300 ms", Request{Start: t0, Keyframes: true, Every: 300 * time.Millisecond}, []int{0, 10, 20, 30, 40}},
		{"keyframes every 1 s", Request{Start: t0, Keyframes: true, Every: time.Second}, []int{0, 30}},
		{"by producer, unknown", Request{Start: t0, ByProducer: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSampler(&tc.req)
			var got []int
			// Two calls, as two fragments.
			for _, f := range append(s.pick(frs[:25]), s.pick(frs[25:])...) {
				got = append(got, f.index)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("picked %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("picked %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func seq(from, to, step int) []int {
	var out []int
	for i := from; i < to; i += step {
		out = append(out, i)
	}
	return out
}
