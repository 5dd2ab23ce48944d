package rtsp

import (
	"math/rand/v2"
	"time"
)

// Reconnection back-off: the first retry after a second, doubling to 30 s,
// each delay drawn within ±20 % so that cameras cut off together do not
// come back in lockstep.
const (
	backoffMin = time.Second
	backoffMax = 30 * time.Second
	// resetAfter: a session that lasted this long starts the back-off over.
	resetAfter = backoffMax
)

type backoff struct {
	cur time.Duration
}

// next returns the delay before the next attempt and doubles the one
// after it.
func (b *backoff) next() time.Duration {
	if b.cur < backoffMin {
		b.cur = backoffMin
	}
	d := b.cur
	b.cur = min(2*b.cur, backoffMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (b *backoff) reset() { b.cur = 0 }
