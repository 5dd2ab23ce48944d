package s3

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterDestination(uplink.DestinationType{
		Name:         "s3",
		NewConfig:    func() uplink.DestinationConfig { return new(Config) },
		Capabilities: uplink.Capabilities{ErrorOutputType: "s3-failed", Objects: true},
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

// WithCompression takes the delivery's compression unless Compression is
// set.
func (c *Config) WithCompression(comp string) (uplink.DestinationConfig, error) {
	cc := *c
	if cc.Compression == "" {
		cc.Compression = comp
	}
	return &cc, nil
}

var _ uplink.Compressing = (*Config)(nil)
