package uplink

import (
	"math/rand/v2"
	"time"
)

// Backoff of failed attempts: 1 s doubling, capped at 2 minutes, each wait
// drawn from its upper half so that many gateways coming back after one
// outage do not retry in step.
const (
	backoffFirst = time.Second
	backoffMax   = 2 * time.Minute
)

// backoff returns the wait before attempt n+1 after n failures (n ≥ 1).
func backoff(n int) time.Duration {
	d := backoffFirst
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	return d/2 + rand.N(d/2+1)
}
