package gateway

import (
	"context"
	"slices"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// syncKeepers makes each stream keep, past its retention, the records its
// deliveries have not sent, as its keep_until_delivered says — all of its
// deliveries by default, and for streams the file does not declare
// (created through an API) — by naming their consumers in the stream's
// KeepFor. A delivery that is defined (running, paused or failed) keeps; one
// removed from the file or deleted stops keeping, and retention catches up
// with what it left.
//
// It runs once every delivery has been brought back at start, and after
// each change (uplink.Manager.Changed, a reload), until the gateway stops
// (stopKeepers): run before or after, a stream would stop keeping for the
// deliveries not started yet, or already closed.
func (g *Gateway) syncKeepers() {
	g.keepMu.Lock()
	defer g.keepMu.Unlock()
	if !g.keepersReady.Load() {
		return
	}
	cfg := g.cfg.Load()
	readers := map[string][]string{}
	for _, name := range g.uplink.Names() {
		spec, err := g.uplink.Spec(name)
		if err != nil {
			continue
		}
		for _, from := range spec.From {
			readers[from] = append(readers[from], name)
		}
	}
	for _, name := range g.store.Streams() {
		s, err := g.store.Stream(name)
		if err != nil {
			continue
		}
		spec, ok := cfg.Stream(name)
		if !ok {
			spec = config.DefaultStream()
		}
		var keep, names []string
		for _, d := range readers[name] {
			if spec.Keeps(d) {
				keep, names = append(keep, uplink.ConsumerName(d)), append(names, d)
			}
		}
		for _, d := range spec.KeepUntilDelivered {
			if d != config.KeepAll && d != config.KeepNone && !slices.Contains(readers[name], d) {
				g.logger.Warn("keep_until_delivered names a delivery that does not read the stream", "stream", name, "delivery", d)
			}
		}
		slices.Sort(keep)
		if len(keep) > shards.MaxKeepFor {
			g.logger.Warn("more deliveries read the stream than it can keep records for; the others do not hold records past retention",
				"stream", name, "deliveries", len(keep), "kept_for", shards.MaxKeepFor)
			keep = keep[:shards.MaxKeepFor]
		}
		if slices.Equal(keep, s.Config().KeepFor) {
			continue
		}
		if err := s.Reconfigure(func(c *shards.StreamConfig) { c.KeepFor = keep }); err != nil {
			g.logger.Error("stream: keep records for its deliveries", "stream", name, "err", err)
			continue
		}
		slices.Sort(names)
		g.logger.Info("stream keeps the records its deliveries have not sent past its retention", "stream", name, "deliveries", names)
	}
}

// keepSyncEvery is how soon a stream created after its delivery (the
// delivery waits for it, stopped), or created by a delivery (a dead-letter
// stream), starts keeping for the deliveries that read it.
const keepSyncEvery = 30 * time.Second

// keepSynced runs syncKeepers every keepSyncEvery until ctx ends: the
// deliveries' changes call it at once, streams appearing do not.
func (g *Gateway) keepSynced(ctx context.Context) {
	defer g.wg.Done()
	t := time.NewTicker(keepSyncEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.syncKeepers()
		}
	}
}

// stopKeepers ends syncKeepers before the deliveries close, waiting for
// one under way: the streams keep for them across the restart.
func (g *Gateway) stopKeepers() {
	g.keepMu.Lock()
	g.keepersReady.Store(false)
	g.keepMu.Unlock()
}
