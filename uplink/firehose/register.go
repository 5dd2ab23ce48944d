package firehose

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterDestination(uplink.DestinationType{
		Name:      "firehose",
		NewConfig: func() uplink.DestinationConfig { return new(Config) },
		New: func(ctx context.Context, cfg uplink.DestinationConfig, _ uplink.Env) (uplink.Sink, error) {
			s, err := New(ctx, *cfg.(*Config))
			if err != nil {
				return nil, err
			}
			return s, nil
		},
	})
}
