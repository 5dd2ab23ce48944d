package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/shards"
)

// clockCollector reports the board's wall clock as the store sees it: a
// Raspberry Pi has no real-time clock, and its data's arrival times are
// only as good as NTP made it.
type clockCollector struct {
	store         *shards.Store
	steps, synced *prometheus.Desc
}

func newClockCollector(store *shards.Store) *clockCollector {
	return &clockCollector{
		store:  store,
		steps:  prometheus.NewDesc("tidegate_clock_steps_total", "Steps of the wall clock (more than 5 s at once against the monotonic clock) since the gateway started, one taken while it was stopped included.", nil, nil),
		synced: prometheus.NewDesc("tidegate_clock_synchronized", "1 when the kernel says the wall clock is synchronized (NTP), else 0: records stored meanwhile get corrected arrival times once it is.", nil, nil),
	}
}

func (c *clockCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.steps
	ch <- c.synced
}

func (c *clockCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.store.ClockStatus()
	synced := 0.0
	if st.Synced {
		synced = 1
	}
	ch <- prometheus.MustNewConstMetric(c.steps, prometheus.CounterValue, float64(st.Steps))
	ch <- prometheus.MustNewConstMetric(c.synced, prometheus.GaugeValue, synced)
}
