package gateway

import (
	"context"

	"github.com/tidegate/tidegate/gateway/config"
)

// Reload applies what can change while running — declared streams, access
// keys, throttling — and returns what changed and what needs a restart
// (listeners, data directory, region) to take effect. The log level is the
// caller's: it owns the logger.
func (g *Gateway) Reload(next *config.Config) (applied, restart []string, err error) {
	g.notify.Reloading()
	defer g.notify.Ready()
	prev := g.cfg.Load()
	applied, restart = config.Changes(prev, next)
	if err := reconcileStreams(g.store, next.Streams, g.logger); err != nil {
		return applied, restart, err
	}
	g.auth.set(next)
	if err := g.reconcileDeliveries(context.Background(), next.Deliveries); err != nil {
		return applied, restart, err
	}
	// Keep the settings that need a restart as they are until then.
	kept := *next
	kept.DataDir, kept.Listen, kept.Kinesis = prev.DataDir, prev.Listen, prev.Kinesis
	g.cfg.Store(&kept)
	return applied, restart, nil
}
