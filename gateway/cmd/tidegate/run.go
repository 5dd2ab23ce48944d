package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/durable"
)

// shutdownTimeout bounds how long requests in flight get after SIGTERM.
const shutdownTimeout = 5 * time.Second

// runFlags are the settings `tidegate run` takes on the command line; set
// ones override the configuration file and the environment.
type runFlags struct {
	config, dataDir, http, mqtt, logFormat, logLevel string
}

func runRun(args []string) error {
	var f runFlags
	fs := newFlagSet("run", "[--config FILE] [--data-dir DIR] [--http ADDR] [--mqtt ADDR] [--log-format auto|text|json] [--log-level LEVEL]")
	fs.StringVar(&f.config, "config", "", "configuration file (YAML); without one the built-in defaults apply")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for all gateway state (default ./data, or $TIDEGATE_DATA_DIR)")
	fs.StringVar(&f.http, "http", "", "HTTP listen address (default 127.0.0.1:8080); non-loopback needs auth.access_keys or auth.tokens")
	fs.StringVar(&f.mqtt, "mqtt", "", `embedded MQTT broker address (default 127.0.0.1:1883; "-" turns it off)`)
	fs.StringVar(&f.logFormat, "log-format", "", "log format: auto (text on a terminal, else json), text or json")
	fs.StringVar(&f.logLevel, "log-level", "", "log level: debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.load()
	if err != nil {
		return err
	}
	if err := gateway.Check(cfg); err != nil {
		return usageErrorf("%s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	logs := newLogOutput(os.Stderr, isTerminal(os.Stderr), cfg.Log)
	logger := logs.logger()

	// Synced into its parent: at a first start a power cut would forget
	// the new directory with every stream and record in it.
	if err := durable.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	// Signals are caught before the gateway says it listens, so a supervisor
	// that stops it right away still gets a clean shutdown.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	g := gateway.New(cfg, logger, currentBuild().Version)
	if err := g.Start(context.Background()); err != nil {
		return err
	}
	for {
		select {
		case err := <-g.Wait():
			shutdown(g)
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				reload(g, &f, logs, logger)
				continue
			}
			logger.Info("signal received", "signal", sig.String())
			return shutdown(g)
		}
	}
}

func shutdown(g *gateway.Gateway) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return g.Shutdown(ctx)
}

// load reads the configuration: defaults, file, environment, then flags.
func (f *runFlags) load() (*config.Config, error) {
	cfg, err := config.Load(f.config, os.Environ())
	if err != nil {
		return nil, configError(err)
	}
	if f.dataDir != "" {
		cfg.DataDir = f.dataDir
	}
	if f.http != "" {
		cfg.Listen.HTTP = f.http
	}
	if f.mqtt != "" {
		cfg.MQTT.Listen = f.mqtt
	}
	if f.logFormat != "" {
		cfg.Log.Format = config.LogFormat(f.logFormat)
	}
	if f.logLevel != "" {
		cfg.Log.Level = config.LogLevel(f.logLevel)
	}
	if err := cfg.Validate(); err != nil {
		return nil, configError(err)
	}
	return cfg, nil
}

// configError makes a refused configuration exit with status 2, like a bad flag.
func configError(err error) error {
	if _, ok := errors.AsType[*config.Error](err); ok {
		return usageErrorf("%s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return err
}

// reload re-reads the configuration on SIGHUP, applies what it can and says
// what changed: what was applied, what waits for a restart, or nothing.
func reload(g *gateway.Gateway, f *runFlags, logs *logOutput, logger *slog.Logger) {
	cfg, err := f.load()
	if err != nil {
		logger.Error("reload: configuration refused; keeping the running one", "err", err)
		return
	}
	logs.apply(cfg.Log)
	applied, restart, err := g.Reload(cfg)
	if err != nil {
		logger.Error("reload: partly applied", "err", err)
	}
	if len(applied) == 0 && len(restart) == 0 {
		logger.Info("reload: nothing changed")
	}
	if len(applied) > 0 {
		logger.Info("reload: applied", "changes", applied)
	}
	if len(restart) > 0 {
		logger.Warn("reload: these changes need a restart to take effect", "changes", restart)
	}
}

// defaultDataDir is where state goes without a configuration file:
// $TIDEGATE_DATA_DIR, else ./data.
func defaultDataDir() string {
	if d := os.Getenv("TIDEGATE_DATA_DIR"); d != "" {
		return d
	}
	return config.DefaultDataDir
}
