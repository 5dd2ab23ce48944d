package endpoint

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterDestination(uplink.DestinationType{
		Name:         "http",
		NewConfig:    func() uplink.DestinationConfig { return new(Config) },
		Capabilities: uplink.Capabilities{ErrorOutputType: "http-endpoint-failed", Objects: true},
		New: func(_ context.Context, cfg uplink.DestinationConfig, env uplink.Env) (uplink.Sink, error) {
			c := *cfg.(*Config)
			c.Logger = env.Logger
			if c.SourceARN == "" {
				c.SourceARN = env.DeliveryStreamARN()
			}
			s, err := New(c)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	})
}

// WithCompression takes the delivery's compression unless Compression is
// set; Validate refuses what the protocol does not define (only gzip).
func (c *Config) WithCompression(comp string) (uplink.DestinationConfig, error) {
	cc := *c
	if cc.Compression == "" {
		cc.Compression = comp
	}
	return &cc, nil
}

var _ uplink.Compressing = (*Config)(nil)
