package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

const (
	defaultHTTPAddr = "127.0.0.1:8080"
	shutdownTimeout = 5 * time.Second
)

func runRun(args []string) error {
	fs := newFlagSet("run", "[--data-dir DIR] [--http ADDR]")
	dataDir := fs.String("data-dir", defaultDataDir(), "directory for all gateway state; $TIDEGATE_DATA_DIR sets the default")
	httpAddr := fs.String("http", defaultHTTPAddr, "HTTP listen address; loopback only until credentials are supported")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := requireLoopback(*httpAddr); err != nil {
		return err
	}

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	return serve(ctx, logger, ln, dir)
}

// defaultDataDir is $TIDEGATE_DATA_DIR, else ./data: one directory holds everything the
// gateway writes, so flash wear and backups have one place to look.
func defaultDataDir() string {
	if d := os.Getenv("TIDEGATE_DATA_DIR"); d != "" {
		return d
	}
	return "data"
}

// requireLoopback refuses listeners reachable from the network: they need credentials
// (DESIGN.md §3), and none can be configured yet. A host name other than localhost is
// refused too, since it may resolve to anything.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("--http %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("refusing to listen on %s: non-loopback listeners need auth credentials configured (not yet supported)", addr)
}

// serve runs the gateway on ln until ctx is done, then shuts the HTTP server down, giving
// in-flight requests shutdownTimeout to finish, and closes the stores last.
func serve(ctx context.Context, logger *slog.Logger, ln net.Listener, dataDir string) (err error) {
	stores, err := openStores(dataDir, logger)
	if err != nil {
		ln.Close()
		return fmt.Errorf("open stores: %w", err)
	}
	defer func() {
		if cerr := stores.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close stores: %w", cerr))
		}
	}()

	srv := &http.Server{
		Handler:           newHTTPHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("tidegate listening", "http", ln.Addr().String(), "data_dir", dataDir)

	select {
	case err := <-served:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	logger.Info("tidegate shutting down", "timeout", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	logger.Info("tidegate stopped")
	return nil
}

func newHTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		b := currentBuild()
		fmt.Fprintf(w, "tidegate %s (commit %s)\n\n", b.Version, b.Commit)
		io.WriteString(w, "Streams, devices, cameras, queries and deliveries are not built yet.\n")
		io.WriteString(w, "GET /healthz answers ok while the gateway runs.\n")
	})
	return mux
}
