package firehoseapi

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// Initialize loads the delivery stream definitions from DataDir and
// restarts their deliveries through Deliveries; call it after the delivery
// engine has started and before serving. A delivery the engine runs
// already (uplink.ErrExists) is taken as this API's, so calling Initialize
// again is harmless. A definitions file that cannot be read is an error; a
// delivery that cannot start is logged and its definition kept, so the
// gateway still serves the others.
//
// An API that serves without Initialize initializes itself at the first
// request that reaches an operation.
func (a *API) Initialize() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.loadLocked()
}

// ensureLoaded initializes the API on first use.
func (a *API) ensureLoaded() error {
	if a.loaded.Load() {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded.Load() {
		return nil
	}
	return a.loadLocked()
}

func (a *API) loadLocked() error {
	if a.Store == nil {
		return errors.New("firehose: API has no Store")
	}
	defs := map[string]*definition{}
	if a.DataDir != "" {
		var err error
		if defs, err = readDefinitions(a.DataDir); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		if err := a.restart(defs[name]); err != nil {
			a.logger().Error("firehose: delivery stream not restarted", "delivery_stream", name, "err", err)
		}
	}
	a.defs = defs
	a.loaded.Store(true)
	return nil
}

// restart brings back a loaded definition: its backing stream, recreated
// empty if someone deleted it, and its delivery.
func (a *API) restart(d *definition) error {
	if d.Type == typeDirectPut {
		if _, err := a.Store.Stream(d.Stream); errors.Is(err, shards.ErrNotFound) {
			a.logger().Warn("firehose: backing stream missing: creating it", "delivery_stream", d.Name, "stream", d.Stream)
			if _, err := a.Store.CreateStream(d.Stream, shards.StreamConfig{Shards: a.shards()}); err != nil && !errors.Is(err, shards.ErrExists) {
				return fmt.Errorf("firehose: create stream %q: %w", d.Stream, err)
			}
		}
	}
	spec, ok, err := a.spec(d)
	switch {
	case err != nil:
		return err
	case !ok:
		return nil
	case a.Deliveries == nil:
		return errors.New("firehose: the delivery stream has a destination but the API has no Deliveries")
	}
	if err := a.Deliveries.CreateDelivery(spec); err != nil && !errors.Is(err, uplink.ErrExists) {
		return fmt.Errorf("firehose: start delivery: %w", err)
	}
	return nil
}

func (a *API) shards() int {
	if a.Shards <= 0 {
		return 1
	}
	return a.Shards
}
