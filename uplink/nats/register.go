package nats

import (
	"context"
	"fmt"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterDestination(uplink.DestinationType{
		Name:      "nats",
		NewConfig: func() uplink.DestinationConfig { return new(Config) },
		New: func(ctx context.Context, cfg uplink.DestinationConfig, env uplink.Env) (uplink.Sink, error) {
			c := *cfg.(*Config)
			c.Logger = env.Logger
			s, err := New(ctx, c)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	})
}

// WithCompression refuses a delivery's compression: a NATS message is
// published as is, so a compression asked for would silently not happen.
func (c *Config) WithCompression(comp string) (uplink.DestinationConfig, error) {
	if comp != "" && comp != "none" {
		return nil, fmt.Errorf("%w: compression: NATS messages are not compressed; remove compression: %s", uplink.ErrConfig, comp)
	}
	return c, nil
}

var _ uplink.Compressing = (*Config)(nil)
