package bench

import (
	"errors"
	"testing"
)

const statusSample = "Name:\tbench.test\nVmPeak:\t  1300000 kB\nVmHWM:\t    20480 kB\nVmRSS:\t    10240 kB\n"

func TestParseStatusKB(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		field   string
		want    int64
		wantErr bool
	}{
		{"peak", statusSample, "VmHWM", 20480 * 1024, false},
		{"current", statusSample, "VmRSS", 10240 * 1024, false},
		{"prefix of another field is not a match", "VmHWMX:\t1 kB\n", "VmHWM", 0, true},
		{"missing", "Name:\tx\n", "VmHWM", 0, true},
		{"no unit", "VmHWM:\t12\n", "VmHWM", 0, true},
		{"not a number", "VmHWM:\tlots kB\n", "VmHWM", 0, true},
		{"negative", "VmHWM:\t-1 kB\n", "VmHWM", 0, true},
		{"overflows bytes", "VmHWM:\t9223372036854775807 kB\n", "VmHWM", 0, true},
		{"last line without newline", "VmHWM:\t2 kB", "VmHWM", 2048, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatusKB([]byte(tc.status), tc.field)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformedStatus) {
					t.Errorf("err = %v, want ErrMalformedStatus", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("= %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func FuzzParseStatusKB(f *testing.F) {
	f.Add([]byte(statusSample), "VmHWM")
	f.Add([]byte("VmRSS:\t 1 kB"), "VmRSS")
	f.Fuzz(func(t *testing.T, status []byte, field string) {
		n, err := parseStatusKB(status, field)
		if err == nil && (n < 0 || n%1024 != 0) {
			t.Errorf("parsed %d bytes: not a non-negative multiple of 1 KiB", n)
		}
	})
}

func TestRSSOfThisProcess(t *testing.T) {
	// Current first: the peak read afterwards can only have grown past it.
	cur, err := CurrentRSS()
	if err != nil {
		t.Fatal(err)
	}
	peak, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if cur <= 0 || peak < cur {
		t.Errorf("peak %d, current %d: want 0 < current <= peak", peak, cur)
	}
}
