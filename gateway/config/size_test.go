package config

import (
	"math"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
	}{
		{"0", 0},
		{"1048576", MiB},
		{"512B", 512},
		{"1KB", 1000},
		{"1KiB", 1024},
		{"2 GiB", 2 << 30},
		{"3MB", 3_000_000},
		{"64MiB", 64 << 20},
		{"5GB", 5_000_000_000},
		{"1TB", 1_000_000_000_000},
		{"4TiB", 4 << 40},
		{" 7MiB ", 7 << 20},
		{"8388607TiB", 8388607 << 40},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseByteSizeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty size"},
		{"GiB", `invalid size "GiB": use a whole number and a unit, as in 512KiB, 64MiB or 2GiB`},
		{"-1", `invalid size "-1": use a whole number and a unit, as in 512KiB, 64MiB or 2GiB`},
		{"1.5GiB", `invalid size "1.5GiB": use a whole number of a smaller unit, as in 1536MiB for 1.5GiB`},
		{"2gib", `invalid size "2gib": unknown unit "gib" (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"2Mb", `invalid size "2Mb": unknown unit "Mb" (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"2PiB", `invalid size "2PiB": unknown unit "PiB" (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"8388608TiB", `invalid size "8388608TiB": too large`},
		{"99999999999999999999", `invalid size "99999999999999999999": too large`},
	}
	for _, tt := range tests {
		_, err := ParseByteSize(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseByteSize(%q) error %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{1000, "1KB"},
		{1024, "1KiB"},
		{1500, "1500B"},
		{1536, "1536B"}, // 1.5KiB: neither 1024 nor 1000 divides it
		{2 * GiB, "2GiB"},
		{1536 * MiB, "1536MiB"},
		{5 * GB, "5GB"},
		{3 * TiB, "3TiB"},
		{math.MaxInt64, "9223372036854775807B"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

// FuzzParseByteSize: no input panics, and whatever parses prints back to itself.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0", "2GiB", "1.5MiB", "512 KB", "-1", "8388608TiB", "9223372036854775807", "1e3", " 7B "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("ParseByteSize(%q) = %d, negative", s, int64(v))
		}
		back, err := ParseByteSize(v.String())
		if err != nil || back != v {
			t.Fatalf("ParseByteSize(%q) = %d, whose String %q parses as %d, %v", s, int64(v), v.String(), int64(back), err)
		}
	})
}
