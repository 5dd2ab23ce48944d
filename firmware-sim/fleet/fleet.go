package fleet

import (
	"context"
	"sync"
	"time"
)

// Fleet is a set of simulated sensor nodes sharing one Config.
type Fleet struct {
	cfg   Config
	nodes []*node
}

// New validates cfg (after applying defaults) and prepares the nodes; nothing connects
// until Run.
func New(cfg Config) (*Fleet, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	f := &Fleet{cfg: cfg}
	for i := range cfg.Devices {
		f.nodes = append(f.nodes, newNode(&f.cfg, i))
	}
	return f, nil
}

// Run starts every node and blocks until each has delivered Count readings, Duration has
// passed, or ctx is cancelled. Once generation has stopped (Count reached everywhere,
// Duration over, or ctx cancelled) queued readings get FlushTimeout to reach the broker
// before the nodes disconnect; what is left is reported as Queued. Run may be called once.
func (f *Fleet) Run(ctx context.Context) error {
	genCtx, stopGen := context.WithCancel(ctx)
	if f.cfg.Duration > 0 {
		genCtx, stopGen = context.WithTimeout(ctx, f.cfg.Duration)
	}
	defer stopGen()

	// The links outlive generation by FlushTimeout, so a cancelled run still flushes.
	linkCtx, stopLinks := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLinks()
	go func() {
		<-genCtx.Done()
		select {
		case <-linkCtx.Done():
		case <-time.After(f.cfg.FlushTimeout):
			stopLinks()
		}
	}()

	f.cfg.Logger.Info("fleet starting", "devices", len(f.nodes), "broker", f.cfg.Broker,
		"rate", f.cfg.Rate, "qos", f.cfg.QoS, "format", f.cfg.Format)
	var gens, links sync.WaitGroup
	for _, n := range f.nodes {
		gens.Go(func() { n.generate(genCtx) })
		links.Go(func() { n.link(linkCtx) })
	}
	gens.Wait()
	stopGen() // every node reached Count: start the flush deadline
	links.Wait()
	r := f.Report()
	f.cfg.Logger.Info("fleet stopped", "published", r.Published, "acknowledged", r.Acknowledged,
		"queued", r.Queued, "dropped", r.Dropped)
	return nil
}
