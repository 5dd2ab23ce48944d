package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"30s", 30 * time.Second},
		{"1m", time.Minute},
		{"90m", 90 * time.Minute},
		{"24h", 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"7d", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1d30m15s", 24*time.Hour + 30*time.Minute + 15*time.Second},
		{" 365d ", 8760 * time.Hour},
		{"1.5h", 90 * time.Minute},
		{"-1h", -time.Hour}, // parses; Validate refuses it as below the minimum
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || time.Duration(got) != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, time.Duration(got), err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	const units = "use a number and a unit (s, m, h, d), as in 30s, 90m, 24h or 7d"
	const days = "days must be a whole number, as in 7d or 1d12h"
	tests := []struct{ in, want string }{
		{"", "empty duration"},
		{"7", `invalid duration "7": ` + units},
		{"7x", `invalid duration "7x": ` + units},
		{"d", `invalid duration "d": ` + days},
		{"1.5d", `invalid duration "1.5d": ` + days},
		{"-7d", `invalid duration "-7d": ` + days},
		{"7dd", `invalid duration "7dd": ` + units},
		{"1d-1h", `invalid duration "1d-1h": only more units may follow the days, as in 1d12h`},
		{"106752d", `invalid duration "106752d": ` + days},
		{"106751d24h", `invalid duration "106751d24h": too long`},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseDuration(%q) error %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{30 * time.Second, "30s"},
		{time.Minute, "1m"},
		{90 * time.Minute, "1h30m"},
		{time.Hour, "1h"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "36h"},
		{8760 * time.Hour, "365d"},
		{1500 * time.Millisecond, "1.5s"},
		{time.Hour + time.Second, "1h0m1s"},
		{-48 * time.Hour, "-48h"},
	}
	for _, tt := range tests {
		if got := Duration(tt.in).String(); got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseDuration: no input panics, and whatever parses prints back to itself.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "30s", "7d", "1d12h", "1.5h", "-1h", "106751d23h47m16s", "1d-1h", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %d, whose String %q parses as %d, %v", s, int64(d), d.String(), int64(back), err)
		}
	})
}
