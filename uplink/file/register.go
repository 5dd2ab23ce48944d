package file

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterDestination(uplink.DestinationType{
		Name:      "file",
		NewConfig: func() uplink.DestinationConfig { return new(Config) },
		// Objects are named as Firehose names them in S3, failures included.
		Capabilities: uplink.Capabilities{ErrorOutputType: "s3-failed", Objects: true},
		New: func(_ context.Context, cfg uplink.DestinationConfig, _ uplink.Env) (uplink.Sink, error) {
			s, err := New(*cfg.(*Config))
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
