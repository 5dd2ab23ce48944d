package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ProcessCPU is the CPU time (user and system) this process has used, its
// children excluded: a load generator run as a child is not counted.
func ProcessCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("bench: cpu time: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// StorageWrites is the bytes this process has caused to be written to
// storage (write_bytes of /proc/self/io): what reaches the disk, not what
// was handed to write(2).
func StorageWrites() (int64, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, fmt.Errorf("bench: storage writes: %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("write_bytes:")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bench: storage writes: %q: %w", line, ErrMalformedStatus)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("bench: storage writes: no write_bytes in /proc/self/io: %w", ErrMalformedStatus)
}
