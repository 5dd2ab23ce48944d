package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/uplink"
)

// Deliveries come from three places, and each place owns its own: the
// configuration file (reconciled on reload), the REST API (kept as files in
// DATA_DIR/uplink/api, so they survive a restart), and the hub's Firehose API
// (kept by it in DATA_DIR/delivery-streams.json).
const (
	originConfig   = "config"
	originREST     = "api"
	originFirehose = "firehose"
)

type deliveryOrigins struct {
	mu sync.Mutex
	m  map[string]string
}

func (o *deliveryOrigins) set(name, origin string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]string{}
	}
	if origin == "" {
		delete(o.m, name)
		return
	}
	o.m[name] = origin
}

func (o *deliveryOrigins) get(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[name]
}

func (o *deliveryOrigins) names(origin string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for n, org := range o.m {
		if org == origin {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// startDeliveries starts the uplink manager and the deliveries of the file and of
// the REST API. A delivery that cannot start does not stop the gateway: it is held as
// failed (uplink.Manager.Hold), reported in the status, the REST API, the metrics and
// the log, and the others run.
func (g *Gateway) startDeliveries(ctx context.Context, cfg *config.Config) error {
	g.uplink = &uplink.Manager{
		Store: g.store, Dir: filepath.Join(cfg.DataDir, "uplink"), Logger: g.logger,
		Env:     uplink.Env{Region: cfg.Kinesis.Region, AccountID: cfg.Kinesis.AccountID},
		Changed: g.syncKeepers,
	}
	if err := g.uplink.Initialize(); err != nil {
		return err
	}
	close(g.deliveriesUp)
	if err := g.reg.RegisterDeliveries(g.uplink); err != nil {
		return err
	}
	// Failures are held and logged by the manager; the gateway starts.
	g.reconcileDeliveries(ctx, cfg.Deliveries)
	for _, d := range g.loadRESTDeliveries() {
		spec, err := d.Spec()
		if err == nil {
			err = g.uplink.Create(ctx, spec)
		}
		if err != nil && g.uplink.Hold(spec, err) != nil {
			continue
		}
		g.origins.set(d.Name, originREST)
	}
	return nil
}

// reconcileDeliveries makes the running deliveries of the configuration file match
// specs: new ones start, changed ones restart (keeping their checkpoints), removed
// ones stop (their checkpoints kept, should they come back). One that cannot start is
// held as failed, its error among those returned.
func (g *Gateway) reconcileDeliveries(ctx context.Context, specs []config.DeliverySpec) error {
	want := map[string]bool{}
	var errs []error
	for _, d := range specs {
		want[d.Name] = true
		spec, err := d.Spec()
		if err != nil {
			errs = append(errs, fmt.Errorf("deliveries: %q: %w", d.Name, err))
			continue
		}
		switch org := g.origins.get(d.Name); org {
		case "":
			err = g.uplink.Create(ctx, spec)
		case originConfig:
			old, _ := g.uplink.Spec(d.Name)
			if st, _ := g.uplink.Status(d.Name); sameSpec(old, spec) && st.State != uplink.StateFailed {
				continue
			}
			err = g.uplink.Replace(ctx, spec)
		default:
			errs = append(errs, fmt.Errorf("deliveries: %q: a delivery of that name was created through the %s API; delete it there first", d.Name, org))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("deliveries: %q: %w", d.Name, err))
			if g.uplink.Hold(spec, err) != nil {
				continue
			}
		}
		g.origins.set(d.Name, originConfig)
	}
	for _, name := range g.origins.names(originConfig) {
		if !want[name] {
			if err := g.uplink.Stop(name); err != nil && !errors.Is(err, uplink.ErrNotFound) {
				errs = append(errs, err)
			}
			g.origins.set(name, "")
			g.logger.Info("delivery removed from the configuration: stopped, its checkpoints kept", "delivery", name)
		}
	}
	return errors.Join(errs...)
}

// sameSpec compares what a reload can change; Paused is the manager's. The
// destination and transform configurations are pointers, fresh from each
// parse of the file, so they are compared by what they point to.
func sameSpec(a, b uplink.Spec) bool {
	a.Paused, b.Paused = false, false
	return reflect.DeepEqual(a, b)
}

func (g *Gateway) restDeliveryDir() string {
	return filepath.Join(g.cfg.Load().DataDir, "uplink", "api")
}

// loadRESTDeliveries reads the deliveries created through the REST API.
func (g *Gateway) loadRESTDeliveries() []config.DeliverySpec {
	dir := g.restDeliveryDir()
	if left, err := durable.RemoveLeftovers(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		g.logger.Warn("temporary files of interrupted writes not removed", "dir", dir, "err", err)
	} else if len(left) > 0 {
		g.logger.Info("removed the temporary files of writes a stop interrupted", "dir", dir, "files", left)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []config.DeliverySpec
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err == nil {
			var d config.DeliverySpec
			if d, err = config.ParseDelivery(path, data); err == nil {
				out = append(out, d)
				continue
			}
		}
		g.logger.Error("delivery created through the API cannot be read", "file", path, "err", err)
	}
	return out
}
