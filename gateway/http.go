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

func (g *Gateway) routes() http.Handler {
	mux := http.NewServeMux()
	// The AWS-compatible APIs: one endpoint, the operation in X-Amz-Target.
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), firehoseapi.TargetPrefix) {
			g.hub.ServeHTTP(w, r)
			return
		}
		g.api.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !g.ready.Load() {
			plain(w, http.StatusServiceUnavailable, "not ready\n")
			return
		}
		plain(w, http.StatusOK, "ready\n")
	})
	mux.Handle("GET /metrics", g.reg.Handler())
	g.restRoutes(mux)
	g.deliveryRoutes(mux)
	mux.Handle(receiver.Pattern, &receiver.Handler{Store: receiver.Shards{Store: g.store}, AccessKey: g.auth.accessKey, Logger: g.logger})
	mux.HandleFunc("GET /{$}", g.home)
	return mux
}

// home is a plain-text overview until the dashboard exists.
func (g *Gateway) home(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "tidegate %s\n\nstreams:\n", g.version)
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
	b.WriteString("REST: GET /api/v1/devices, /api/v1/deliveries\n")
	b.WriteString("GET /healthz, /readyz, /metrics\n")
	plain(w, http.StatusOK, b.String())
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
