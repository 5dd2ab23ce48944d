package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/devices/registry"
	"github.com/tidegate/tidegate/devices/sensors"
	"github.com/tidegate/tidegate/gateway/api/firehoseapi"
	"github.com/tidegate/tidegate/gateway/api/kinesisapi"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/gateway/metrics"
	"github.com/tidegate/tidegate/gateway/systemd"
	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// Gateway is the running daemon.
type Gateway struct {
	logger  *slog.Logger
	version string
	notify  *systemd.Notifier

	cfg  atomic.Pointer[config.Config] // the configuration in force; Reload swaps it
	auth authenticator
	disk *disk.Guard // nil where statfs is not known
	// statfs replaces the disk guard's statfs (tests: a small disk anywhere).
	statfs  func(dir string) (disk.Space, error)
	store   *shards.Store
	devices *registry.Registry
	// registryPath is where devices is saved; registrySaved the version
	// saved last (see registry.go).
	registryPath  string
	registrySaved uint64
	sensors       *sensors.Poller
	mqtt          *mqtt.Service
	ingest        *ingest.Writer
	reg           *metrics.Registry
	api           *kinesisapi.API
	hub           *firehoseapi.API
	uplink        *uplink.Manager
	origins       deliveryOrigins
	video         videoIngest
	web           videoWeb
	queries       *query.Manager
	srv           *http.Server
	ln            net.Listener

	// keepMu serializes syncKeepers, which runs once keepersReady.
	keepMu       sync.Mutex
	keepersReady atomic.Bool
	// deliveriesUp is closed once the uplink manager runs: the store's
	// events wait for it (storeEvent).
	deliveriesUp chan struct{}

	ready   atomic.Bool
	served  chan error
	runCtx  context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	closing sync.Once
}

// New prepares a gateway for cfg (already validated). Nothing is opened yet.
func New(cfg *config.Config, logger *slog.Logger, version string) *Gateway {
	g := &Gateway{logger: logger, version: version, notify: systemd.FromEnv(), served: make(chan error, 1),
		devices: registry.New(deviceTimeout, nil), deliveriesUp: make(chan struct{})}
	g.cfg.Store(cfg)
	g.auth.set(cfg)
	return g
}

// Start opens the store, reconciles the configured streams, binds the
// listener and serves. It returns once the gateway is ready; errors while
// serving come out of Wait. ctx bounds the start only: when it ends before
// the gateway is ready, what was started is torn down and Start returns its
// error. What runs afterwards (deliveries, MQTT, sensors) lives until
// Shutdown, whatever becomes of ctx.
func (g *Gateway) Start(ctx context.Context) (err error) {
	cfg := g.cfg.Load()
	var runCtx context.Context
	runCtx, g.stop = context.WithCancel(context.WithoutCancel(ctx))
	g.runCtx = runCtx
	defer func() {
		if err != nil {
			g.teardown(context.Background())
		}
	}()
	steps := []struct {
		name string
		run  func() error
	}{
		{"storage", func() error { return g.openDisk(cfg) }},
		{"storage", func() error { return g.openStore(cfg) }},
		{"devices", func() error { return g.loadRegistry(runCtx, cfg) }},
		{"video", func() error { return g.startVideo(cfg) }}, // before the deliveries from cameras
		{"deliveries", func() error { return g.startDeliveries(ctx, cfg) }},
		{"queries", func() error { return g.startQueries(ctx, cfg) }},
		{"firehose", func() error { return g.startHub(cfg) }},
		{"keep_until_delivered", func() error { g.keepersReady.Store(true); g.syncKeepers(); return nil }},
		{"webrtc", func() error { return g.startVideoWeb(cfg) }},
		{"listen.http", func() error { return g.listen(cfg) }},
		{"rtsp.listen", func() error { return g.listenRTSP(cfg) }},
		{"mqtt", func() error { return g.startMQTT(cfg) }},
		{"sensors", func() error { return g.startSensors(runCtx, cfg.Sensors) }},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("start canceled before %s: %w", step.name, err)
		}
		if err := step.run(); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	g.wg.Add(2)
	go g.watchdog(runCtx)
	go g.keepSynced(runCtx)
	if g.disk != nil {
		g.wg.Add(1)
		go g.watchDisk(runCtx)
	}
	g.ready.Store(true)
	g.notify.Ready()
	g.notify.Status(fmt.Sprintf("serving on %s, %d streams", g.ln.Addr(), len(g.store.Streams())))
	rtspAddr := "off"
	if a := g.RTSPAddr(); a != nil {
		rtspAddr = a.String()
	}
	g.logger.Info("tidegate listening", "http", g.ln.Addr().String(), "tls", cfg.Listen.TLS != nil, "rtsp", rtspAddr,
		"data_dir", cfg.DataDir, "streams", len(g.store.Streams()), "cameras", len(cfg.Cameras), "auth", cfg.Auth.HasCredentials())
	return nil
}

// openStore opens the storage engine, reconciles the configured streams and
// builds what serves them: metrics and the Kinesis API.
func (g *Gateway) openStore(cfg *config.Config) error {
	dir := filepath.Join(cfg.DataDir, "shards")
	st, err := shards.Open(dir, shards.Options{Logger: g.logger, Space: g.space(), OnEvent: g.storeEvent, SpaceLow: g.spaceLow})
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	g.store = st
	for _, d := range st.Damage() {
		g.logger.Warn("storage: damaged data was cut off at open", "stream", d.Stream, "segment", d.Segment,
			"shard", d.Shard, "chunks", d.Chunks, "reason", d.Reason)
	}
	if err := reconcileStreams(st, cfg.Streams, g.logger); err != nil {
		return err
	}
	// iterator.key and the Firehose API's delivery-streams.json are
	// written with durable.WriteFile, which a stop can interrupt.
	if left, err := durable.RemoveLeftovers(cfg.DataDir); err != nil {
		g.logger.Warn("temporary files of interrupted writes not removed", "dir", cfg.DataDir, "err", err)
	} else if len(left) > 0 {
		g.logger.Info("removed the temporary files of writes a stop interrupted", "dir", cfg.DataDir, "files", left)
	}
	key, err := iteratorKey(cfg.DataDir)
	if err != nil {
		return err
	}
	g.reg = metrics.New(st)
	if err := g.reg.RegisterDevices(g.devices); err != nil {
		return err
	}
	if g.disk != nil {
		if err := g.reg.RegisterDisk(g.disk); err != nil {
			return err
		}
	}
	g.api = &kinesisapi.API{
		Store: st, Region: cfg.Kinesis.Region, AccountID: cfg.Kinesis.AccountID,
		Auth: g.auth.verify, IteratorKey: key, Throttled: g.throttled,
		Logger: g.logger, Metrics: g.reg.NewAPI("kinesis"),
	}
	return nil
}

// listen binds the HTTP listener and serves on it.
func (g *Gateway) listen(cfg *config.Config) error {
	srv, err := g.newServer(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen.HTTP)
	if err != nil {
		return err
	}
	g.ln, g.srv = ln, srv
	go func() { g.served <- g.serve(cfg) }()
	return nil
}

func (g *Gateway) closeUplink() {
	if g.uplink != nil {
		g.uplink.Close()
	}
}

// Deliveries is the uplink manager.
func (g *Gateway) Deliveries() *uplink.Manager { return g.uplink }

// deviceTimeout is how long a device may stay silent before it is offline.
const deviceTimeout = 10 * time.Minute

// Devices is the registry of every device seen.
func (g *Gateway) Devices() *registry.Registry { return g.devices }

// Addr is where the HTTP listener is bound (useful with port 0).
func (g *Gateway) Addr() net.Addr { return g.ln.Addr() }

// Store is the gateway's storage engine.
func (g *Gateway) Store() *shards.Store { return g.store }

// Wait returns when the HTTP server stops on its own (an error).
func (g *Gateway) Wait() <-chan error { return g.served }

// throttled reports whether a stream runs in cloud-fidelity mode.
func (g *Gateway) throttled(stream string) bool {
	spec, ok := g.cfg.Load().Stream(stream)
	return ok && spec.Throttle == config.ThrottleAWS
}

// watchdog tells systemd the gateway is alive while the store answers.
func (g *Gateway) watchdog(ctx context.Context) {
	defer g.wg.Done()
	every, err := systemd.WatchdogInterval()
	if err != nil {
		g.logger.Warn("systemd watchdog", "err", err)
	}
	if every == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if g.healthy() {
				g.notify.Watchdog()
			}
		}
	}
}

// healthy is true while the gateway is ready and its store answers; a
// deadlock there stops the pings, and systemd restarts the gateway.
func (g *Gateway) healthy() bool {
	if !g.ready.Load() {
		return false
	}
	g.store.Streams()
	return true
}

// Shutdown stops accepting requests, lets the ones in flight finish (until
// ctx ends), then flushes and closes the store: every acknowledged record
// is on disk already; what was queued is committed before the files close.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.ready.Store(false)
	g.notify.Stopping()
	g.logger.Info("tidegate shutting down")
	err := g.teardown(ctx)
	g.logger.Info("tidegate stopped")
	return err
}

// teardown stops whatever Start got to, newest first; it runs once, for
// Shutdown or for a Start that failed half way.
func (g *Gateway) teardown(ctx context.Context) error {
	var err error
	g.closing.Do(func() {
		g.ready.Store(false)
		if g.stop != nil {
			g.stop()
		}
		if g.srv != nil && g.ln != nil {
			if e := g.srv.Shutdown(ctx); e != nil {
				err = errors.Join(err, fmt.Errorf("http shutdown: %w", e))
				g.srv.Close()
			}
		}
		if g.sensors != nil {
			g.sensors.Close()
		}
		if g.mqtt != nil {
			g.mqtt.Close() // clients get no more acknowledgements: unacked messages come again
		}
		if g.ingest != nil {
			g.ingest.Close()
		}
		g.closeQueries()
		g.stopKeepers() // the streams keep for the deliveries across the restart
		g.closeVideoWeb()
		g.closeUplink() // a batch in flight is sent again after the restart; before the video store its clips read
		if e := g.closeVideo(); e != nil {
			err = errors.Join(err, e)
		}
		g.wg.Wait()
		g.saveRegistry() // after the sources and the saver stopped
		if g.store != nil {
			if e := g.store.Close(); e != nil {
				err = errors.Join(err, fmt.Errorf("close storage: %w", e))
			}
		}
	})
	return err
}
