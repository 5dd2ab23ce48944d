package gateway

import (
	"context"

	"github.com/tidegate/tidegate/gateway/config"
)

// Reload applies what can change while running — declared streams, access
// keys and tokens, metrics.public, throttling, the deliveries, cameras and
// queries of the file (a changed one restarts, an unchanged one keeps
// running), the RTSP credentials and publish_new_paths — and returns what
// changed: applied lists
// what took effect (log settings included: the logger is the caller's,
// which applies them), restart what needs a restart (listeners, data
// directory, region, the MQTT section, sensors, the hub's firehose
// settings). Both nil: nothing changed.
func (g *Gateway) Reload(next *config.Config) (applied, restart []string, err error) {
	g.notify.Reloading()
	defer g.notify.Ready()
	prev := g.cfg.Load()
	applied, restart = config.Changes(prev, next)
	if err := reconcileStreams(g.store, next.Streams, g.logger); err != nil {
		return applied, restart, err
	}
	g.auth.set(next)
	if err := g.setReserve(next); err != nil {
		return applied, restart, err
	}
	if err := g.reconcileDeliveries(context.Background(), next.Deliveries); err != nil {
		return applied, restart, err
	}
	if err := g.reconcileCameras(next); err != nil {
		return applied, restart, err
	}
	if err := g.reconcileQueries(next); err != nil {
		return applied, restart, err
	}
	// Keep the settings that need a restart as they are until then, so the
	// next reload still reports them.
	kept := *next
	kept.DataDir, kept.Listen, kept.Kinesis = prev.DataDir, prev.Listen, prev.Kinesis
	kept.MQTT, kept.Sensors, kept.Firehose = prev.MQTT, prev.Sensors, prev.Firehose
	kept.RTSP.Listen, kept.RTSP.RTPAddress = prev.RTSP.Listen, prev.RTSP.RTPAddress
	g.cfg.Store(&kept)
	g.syncKeepers() // with the new keep_until_delivered
	return applied, restart, nil
}
