//go:build !linux

package bench

import (
	"errors"
	"fmt"
	"time"
)

// ProcessCPU is only implemented on Linux, where every gateway runs.
func ProcessCPU() (time.Duration, error) {
	return 0, fmt.Errorf("bench: cpu time: %w", errors.ErrUnsupported)
}

// StorageWrites is only implemented on Linux; see ProcessCPU.
func StorageWrites() (int64, error) {
	return 0, fmt.Errorf("bench: storage writes: %w", errors.ErrUnsupported)
}
