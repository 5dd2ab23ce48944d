// Package metrics exposes the gateway's Prometheus metrics: per-stream
// counters read from the storage engine at scrape time, request metrics
// for the APIs, and the Go runtime and process collectors.
package metrics
