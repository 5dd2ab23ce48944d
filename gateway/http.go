package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tidegate/tidegate/gateway/api/firehoseapi"
	"github.com/tidegate/tidegate/gateway/api/receiver"
	"github.com/tidegate/tidegate/gateway/config"
)

// newServer builds the HTTP server: HTTP/1.1 and HTTP/2 without TLS (prior
// knowledge, which the AWS SDK for JavaScript v3 speaks to Kinesis) on the
// same port, or HTTPS with HTTP/2 by ALPN when TLS is configured.
func (g *Gateway) newServer(cfg *config.Config) (*http.Server, error) {
	srv := &http.Server{
		Handler:           g.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(g.logger.Handler(), slog.LevelWarn),
		Protocols:         new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	if cfg.Listen.TLS == nil {
		srv.Protocols.SetUnencryptedHTTP2(true)
		return srv, nil
	}
	srv.Protocols.SetHTTP2(true)
	cert, err := tls.LoadX509KeyPair(cfg.Listen.TLS.CertFile, cfg.Listen.TLS.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("listen.tls: %w", err)
	}
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return srv, nil
}

func (g *Gateway) serve(cfg *config.Config) error {
	var err error
	if cfg.Listen.TLS != nil {
		err = g.srv.ServeTLS(g.ln, "", "")
	} else {
		err = g.srv.Serve(g.ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("http: %w", err)
}

// access says who checks a route's credentials. Every route of the table names one;
// the zero value names none, and such a route is closed (treated as accessGateway)
// and fails TestEveryRouteNeedsAuthentication.
type access int

const (
	accessUnset access = iota
	// accessPublic: no credentials, ever. Only the health checks, which load
	// balancers, systemd and container runtimes probe without any.
	accessPublic
	// accessAWS: the AWS JSON APIs verify SigV4 themselves, with the body, and refuse
	// in the AWS error shape their SDKs parse.
	accessAWS
	// accessEndpointKey: the Firehose HTTP endpoint receiver checks the request's
	// X-Amz-Firehose-Access-Key, which is how that protocol authenticates.
	accessEndpointKey
	// accessGateway: SigV4 for the service "tidegate" or a bearer token, checked
	// before the handler runs (REST, the dashboard, and whatever comes next).
	accessGateway
	// accessMetrics: accessGateway unless metrics.public is set.
	accessMetrics
	// accessPublisher: a WHIP publisher's routes check themselves: the
	// camera's own username and password (HTTP Basic), as RTSP takes
	// them, else accessGateway's check (see videoweb.go).
	accessPublisher
)

// route is one entry of the gateway's route table.
type route struct {
	pattern string // method and path, as http.ServeMux takes them
	access  access
	handler http.Handler
}

// routes builds the handler of the HTTP listener from the route table, each route
// behind the check its access names.
func (g *Gateway) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range g.routeTable() {
		mux.Handle(rt.pattern, g.guard(rt))
	}
	return mux
}

// routeTable is every route the gateway serves. Register a new route here (or in a
// function this calls), never on the mux directly, so that it gets an access check
// and the route-table test walks it.
func (g *Gateway) routeTable() []route {
	table := []route{
		// The AWS-compatible APIs: one endpoint, the operation in X-Amz-Target.
		{"POST /{$}", accessAWS, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.Header.Get("X-Amz-Target"), firehoseapi.TargetPrefix) {
				g.hub.ServeHTTP(w, r)
				return
			}
			g.api.ServeHTTP(w, r)
		})},
		{"GET /healthz", accessPublic, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			plain(w, http.StatusOK, "ok\n")
		})},
		{"GET /readyz", accessPublic, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ready, why := g.readiness(); !ready {
				plain(w, http.StatusServiceUnavailable, "not ready: "+why+"\n")
				return
			}
			plain(w, http.StatusOK, "ready\n")
		})},
		{"GET /metrics", accessMetrics, g.reg.Handler()},
		{"GET /{$}", accessGateway, http.HandlerFunc(g.home)},
		// Anything else: a 404, told only to a client that may know what exists.
		{"/", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route for " + r.Method + " " + r.URL.Path})
		})},
	}
	table = append(table, g.restRoutes()...)
	table = append(table, g.deliveryRoutes()...)
	table = append(table, g.videoWebRoutes()...)
	table = append(table, g.cameraRoutes()...)
	table = append(table, g.queryRoutes()...)
	// The hub's Firehose HTTP endpoint receiver: that protocol authenticates with its
	// X-Amz-Firehose-Access-Key header.
	table = append(table, route{receiver.Pattern, accessEndpointKey,
		&receiver.Handler{Store: receiver.Shards{Store: g.store}, AccessKey: g.auth.accessKey, Logger: g.logger}})
	return table
}

// guard puts a route behind the check its access names.
func (g *Gateway) guard(rt route) http.Handler {
	switch rt.access {
	case accessPublic, accessAWS, accessEndpointKey, accessPublisher:
		return rt.handler // checked by no one, or by the handler itself
	case accessMetrics:
		return g.auth.metricsAuth(rt.handler)
	}
	return g.auth.requireAuth(rt.handler) // accessGateway, and a route that names none
}

// readiness says whether the gateway takes new data, and why not: it is
// starting or stopping, or its data directory is full (then it still serves
// reads and deliveries, but a load balancer should send writes elsewhere).
func (g *Gateway) readiness() (ready bool, why string) {
	if !g.ready.Load() {
		return false, "starting or stopping"
	}
	if st := g.diskState(); st.Full {
		return false, st.Reason + "; new data is refused until space returns"
	}
	return true, ""
}

// home is a plain-text overview until the dashboard exists.
func (g *Gateway) home(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "tidegate %s\n\n", g.version)
	if ready, why := g.readiness(); !ready {
		fmt.Fprintf(&b, "NOT READY: %s\n\n", why)
	}
	if d := g.diskStatus(); d != nil {
		b.WriteString(d.String() + "\n")
	}
	b.WriteString("streams:\n")
	for _, name := range g.store.Streams() {
		s, err := g.store.Stream(name)
		if err != nil {
			continue
		}
		st := s.Stats()
		fmt.Fprintf(&b, "  %-24s %4d shards %12d records in %12d bytes on disk\n", name, s.Config().Shards, st.RecordsIn, st.StorageBytes)
	}
	b.WriteString("\nKinesis Data Streams API: POST / (X-Amz-Target: Kinesis_20131202.*)\n")
	b.WriteString("Firehose API: POST / (X-Amz-Target: Firehose_20150804.*)\n")
	b.WriteString("REST: GET /api/v1/status, /api/v1/devices, /api/v1/deliveries, /api/v1/cameras, /api/v1/queries; POST /api/v1/sql\n")
	b.WriteString("GET /healthz, /readyz, /metrics\n")
	plain(w, http.StatusOK, b.String())
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
