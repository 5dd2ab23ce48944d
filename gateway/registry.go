package gateway

import (
	"context"
	"path/filepath"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
)

// registryFile is where the device registry is kept in the data directory.
const registryFile = "devices.json"

// registrySaveEvery is how often a changed device registry is written: a
// kill -9 forgets at most this much of last-seen times and counts, which the
// devices' next messages repair.
const registrySaveEvery = 30 * time.Second

// loadRegistry restores the device registry the gateway saved before its
// restart, and keeps saving it while the gateway runs.
func (g *Gateway) loadRegistry(ctx context.Context, cfg *config.Config) error {
	path := filepath.Join(cfg.DataDir, registryFile)
	if err := g.devices.Load(path); err != nil {
		return err
	}
	g.registryPath = path
	g.registrySaved = g.devices.Version()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		t := time.NewTicker(registrySaveEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				g.saveRegistry()
			}
		}
	}()
	return nil
}

// saveRegistry writes the device registry if it changed since the last save.
// Only the saver goroutine and teardown (after the saver stopped) call it.
func (g *Gateway) saveRegistry() {
	if g.registryPath == "" || g.devices.Version() == g.registrySaved {
		return
	}
	v, err := g.devices.Save(g.registryPath)
	if err != nil {
		g.logger.Warn("device registry not saved", "err", err)
		return
	}
	g.registrySaved = v
}
