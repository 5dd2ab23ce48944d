package gateway

import (
	"context"
	"fmt"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/devices/sensors"
	"github.com/tidegate/tidegate/shards"
)

// startSensors polls the configured periph sensors into their streams.
func (g *Gateway) startSensors(ctx context.Context, cfgs []sensors.Config) error {
	if len(cfgs) == 0 {
		return nil
	}
	p, err := sensors.New(cfgs, sensors.Deps{Emit: g.storeReading, Status: g.sensorStatus, Logger: g.logger})
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	g.sensors = p
	return nil
}

// storeReading makes a sensor reading durable; an error makes the poller
// keep it and try again.
func (g *Gateway) storeReading(ctx context.Context, stream string, r decode.Reading) error {
	s, err := g.store.Stream(stream)
	if err != nil {
		return fmt.Errorf("sensor %s: %w", r.Device, err)
	}
	if _, err := s.PutRecord(ctx, shards.PutEntry{PartitionKey: r.Device, Data: r.Data}); err != nil {
		return err
	}
	g.devices.Seen(r.Device, "sensor", r.Values, r.Time)
	return nil
}

func (g *Gateway) sensorStatus(device string, online bool, err error) {
	why := ""
	if err != nil {
		why = err.Error()
	}
	g.devices.SetOnline(device, "sensor", online, why)
	if online {
		g.logger.Info("sensor online", "sensor", device)
	} else {
		g.logger.Warn("sensor offline", "sensor", device, "err", err)
	}
}
