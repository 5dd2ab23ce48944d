//go:build !linux

package bench

import (
	"errors"
	"fmt"
)

// PeakRSS is only implemented on Linux, where every gateway runs; elsewhere
// it reports errors.ErrUnsupported so callers can omit the figure.
func PeakRSS() (int64, error) {
	return 0, fmt.Errorf("bench: peak rss: %w", errors.ErrUnsupported)
}

// CurrentRSS is only implemented on Linux; see PeakRSS.
func CurrentRSS() (int64, error) {
	return 0, fmt.Errorf("bench: current rss: %w", errors.ErrUnsupported)
}
