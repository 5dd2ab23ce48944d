package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tidegate/tidegate/shards"
)

// Registry holds every metric the gateway exports.
type Registry struct {
	reg *prometheus.Registry
}

// New registers the runtime and process collectors, the per-stream
// collector of store and its clock's.
func New(store *shards.Store) *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newStreamCollector(store),
		newClockCollector(store),
	)
	return &Registry{reg: reg}
}

// Register adds a collector (an API's request metrics, say).
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// Handler serves /metrics in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
