package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/internal/disk"
)

// diskCollector exports the disk guard's figures at scrape time.
type diskCollector struct {
	g                                         *disk.Guard
	total, free, reserve, full, refused, used *prometheus.Desc
}

// RegisterDisk exports the data directory's disk: its size, what is free
// and kept in reserve, whether new data is refused, how often it was, and
// what each store takes.
func (r *Registry) RegisterDisk(g *disk.Guard) error {
	return r.reg.Register(&diskCollector{
		g:     g,
		total: prometheus.NewDesc("tidegate_disk_total_bytes", "Size of the filesystem holding the data directory.", nil, nil),
		free:  prometheus.NewDesc("tidegate_disk_free_bytes", "Bytes free on the data directory's filesystem for new data.", nil, nil),
		reserve: prometheus.NewDesc("tidegate_disk_reserve_bytes",
			"Bytes kept for bookkeeping (storage.reserve): new data is refused below it.", nil, nil),
		full: prometheus.NewDesc("tidegate_disk_full",
			"1 while new data is refused because the data directory is full, else 0.", nil, nil),
		refused: prometheus.NewDesc("tidegate_disk_refusals_total",
			"Puts of new data refused because the data directory was full.", nil, nil),
		used: prometheus.NewDesc("tidegate_disk_used_bytes",
			"Bytes each store takes in the data directory (its files' blocks, taken at most every 10 s).", []string{"store"}, nil),
	})
}

func (c *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.free, c.reserve, c.full, c.refused, c.used} {
		ch <- d
	}
}

func (c *diskCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.g.State()
	full := 0.0
	if st.Full {
		full = 1
	}
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(st.Total))
	ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(st.Free))
	ch <- prometheus.MustNewConstMetric(c.reserve, prometheus.GaugeValue, float64(st.Reserve))
	ch <- prometheus.MustNewConstMetric(c.full, prometheus.GaugeValue, full)
	ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(st.Refused))
	for store, n := range c.g.Usage() {
		ch <- prometheus.MustNewConstMetric(c.used, prometheus.GaugeValue, float64(n), store)
	}
}
