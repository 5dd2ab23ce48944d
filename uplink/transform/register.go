package transform

import (
	"context"

	"github.com/tidegate/tidegate/uplink"
)

func init() {
	uplink.RegisterTransform(uplink.TransformType{
		Name:      TypeHTTP,
		NewConfig: func() uplink.TransformConfig { return new(HTTPConfig) },
		New: func(_ context.Context, cfg uplink.TransformConfig, env uplink.Env) (uplink.Transformer, error) {
			c := *cfg.(*HTTPConfig)
			c.Invocation = c.Invocation.withEnv(env)
			h, err := NewHTTP(c)
			if err != nil {
				return nil, err
			}
			return h, nil
		},
	})
	uplink.RegisterTransform(uplink.TransformType{
		Name:      TypeCommand,
		NewConfig: func() uplink.TransformConfig { return new(CommandConfig) },
		New: func(_ context.Context, cfg uplink.TransformConfig, env uplink.Env) (uplink.Transformer, error) {
			c := *cfg.(*CommandConfig)
			c.Invocation = c.Invocation.withEnv(env)
			cmd, err := NewCommand(c)
			if err != nil {
				return nil, err
			}
			return cmd, nil
		},
	})
}
