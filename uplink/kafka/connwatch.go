package kafka

import (
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// connWatch remembers why the last connection to a broker failed (refused,
// TLS, SASL login), so that a Send that times out can say why instead of
// only "deadline exceeded".
type connWatch struct {
	mu   sync.Mutex
	last error
}

var _ kgo.HookBrokerConnect = (*connWatch)(nil)

func (c *connWatch) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = err // a success clears it
}

// explain appends the last connection error, if any, to a timeout message.
func (c *connWatch) explain(msg string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return msg
	}
	return msg + " (last broker connection error: " + c.last.Error() + ")"
}
