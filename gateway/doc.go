// Package gateway wires Tidegate together: it opens the stores, reconciles
// the streams the configuration declares, serves every listener, and runs
// the daemon's lifecycle (readiness, reload, systemd notification, clean
// shutdown). It is the only package that knows all the others.
//
// Life of a Gateway: New(cfg, logger) → Start(ctx) → Reload(cfg)… →
// Shutdown(ctx).
package gateway
