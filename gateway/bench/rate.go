package bench

import "time"

// bytesPerMB fixes MB as 1e6 bytes throughout the package (see the package
// documentation for why decimal).
const bytesPerMB = 1e6

// mbPerSec returns 0 rather than +Inf for a zero duration, so a result that
// measured nothing still encodes as JSON.
func mbPerSec(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / bytesPerMB / d.Seconds()
}
