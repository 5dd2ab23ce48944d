package bench

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the process's resident-set high-water mark (VmHWM) in
// bytes: the figure that decides whether a workload fits a small gateway,
// however briefly it peaked.
func PeakRSS() (int64, error) {
	return statusBytes("VmHWM")
}

// CurrentRSS returns the process's resident set now (VmRSS) in bytes, for
// telling steady-state memory from a transient peak.
func CurrentRSS() (int64, error) {
	return statusBytes("VmRSS")
}

func statusBytes(field string) (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("bench: %s: %w", field, err)
	}
	n, err := parseStatusKB(status, field)
	if err != nil {
		return 0, fmt.Errorf("bench: %s: %w", field, err)
	}
	return n, nil
}

// parseStatusKB reads a line such as "VmHWM:\t  12345 kB" and returns bytes.
// The kernel's "kB" is 1024 bytes, whatever the suffix suggests.
func parseStatusKB(status []byte, field string) (int64, error) {
	for line := range bytes.Lines(status) {
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		parts := strings.Fields(string(rest))
		if len(parts) != 2 || parts[1] != "kB" {
			return 0, fmt.Errorf("line %q: %w", bytes.TrimSpace(line), ErrMalformedStatus)
		}
		kb, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || kb < 0 || kb > math.MaxInt64/1024 {
			return 0, fmt.Errorf("line %q: %w", bytes.TrimSpace(line), ErrMalformedStatus)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no %s line: %w", field, ErrMalformedStatus)
}
