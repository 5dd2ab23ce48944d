package hls

import (
	"net/url"
	"strconv"
	"testing"
	"time"
)

// FuzzParseRange: any query is a live request, a range within the limit
// whose end is after its start, or an error; never a panic.
func FuzzParseRange(f *testing.F) {
	for _, q := range []string{"", "start=2026-01-01T00:00:00Z&end=2026-01-01T00:01:00Z", "start=2026-01-01T00:00:00.5%2B01:00",
		"_HLS_msn=12&_HLS_part=1", "end=x", "start=2026-13-01T00:00:00Z"} {
		f.Add(q)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		sp, err := parseRange(q, now, DefaultMaxRange)
		if err != nil || sp.live {
			return
		}
		if !sp.end.After(sp.start) || sp.end.Sub(sp.start) > DefaultMaxRange {
			t.Fatalf("%q gave the range %v … %v", raw, sp.start, sp.end)
		}
	})
}

// FuzzParseFile: a name is a fragment or an init segment of a canonical
// number above zero, which names it back, or nothing.
func FuzzParseFile(f *testing.F) {
	for _, s := range []string{"1.m4s", "init-7.mp4", "01.m4s", "0.m4s", "18446744073709551615.m4s", "-1.m4s", "init-.mp4", "x.ts"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, init, ok := parseFile(name)
		if !ok {
			return
		}
		back := segmentName(n)
		if init {
			back = initName(n)
		}
		if back != segmentPrefix+name || n == 0 || strconv.FormatUint(n, 10) == "" {
			t.Fatalf("%q read as %d (init %v), which names %q", name, n, init, back)
		}
	})
}
