package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// API records the requests of one AWS-compatible API (Kinesis, Firehose):
// latency by operation, errors by AWS error type, and records refused one
// by one. It satisfies kinesis.Metrics without importing it.
type API struct {
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	rejected *prometheus.CounterVec
	in, out  *prometheus.CounterVec
}

// NewAPI registers the metrics of the API named api ("kinesis").
func (r *Registry) NewAPI(api string) *API {
	labels := prometheus.Labels{"api": api}
	a := &API{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tidegate_api_request_duration_seconds", Help: "Time to answer an API request, by operation.",
			ConstLabels: labels, Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidegate_api_errors_total", Help: "API requests that failed, by operation and AWS error type.",
			ConstLabels: labels,
		}, []string{"operation", "type"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidegate_api_records_rejected_total", Help: "Records a batch put failed one by one, by error code.",
			ConstLabels: labels,
		}, []string{"stream", "code"}),
		in: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidegate_api_records_in_total", Help: "Records stored through the API.", ConstLabels: labels,
		}, []string{"stream"}),
		out: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidegate_api_records_out_total", Help: "Records returned through the API.", ConstLabels: labels,
		}, []string{"stream"}),
	}
	r.reg.MustRegister(a.latency, a.errors, a.rejected, a.in, a.out)
	return a
}

// Request observes one call.
func (a *API) Request(operation, errorType string, latency time.Duration) {
	a.latency.WithLabelValues(operation).Observe(latency.Seconds())
	if errorType != "" {
		a.errors.WithLabelValues(operation, errorType).Inc()
	}
}

// RecordsIn counts records a put stored.
func (a *API) RecordsIn(stream string, records, _ int) {
	a.in.WithLabelValues(stream).Add(float64(records))
}

// RecordsOut counts records a read returned.
func (a *API) RecordsOut(stream string, records, _ int) {
	a.out.WithLabelValues(stream).Add(float64(records))
}

// RecordsRejected counts records refused one by one.
func (a *API) RecordsRejected(stream, code string, records int) {
	a.rejected.WithLabelValues(stream, code).Add(float64(records))
}
