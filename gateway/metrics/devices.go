package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/devices/registry"
)

// deviceCollector exports the device registry at scrape time.
type deviceCollector struct {
	reg                      *registry.Registry
	messages, online, seenAt *prometheus.Desc
}

// RegisterDevices exports per-device metrics from reg.
func (r *Registry) RegisterDevices(reg *registry.Registry) error {
	l := []string{"device", "source"}
	return r.reg.Register(&deviceCollector{
		reg:      reg,
		messages: prometheus.NewDesc("tidegate_device_messages_total", "Messages or readings stored from the device.", l, nil),
		online:   prometheus.NewDesc("tidegate_device_online", "1 while the device is online, 0 after a timeout or its death.", l, nil),
		seenAt:   prometheus.NewDesc("tidegate_device_last_seen_timestamp_seconds", "When the device was last heard from.", l, nil),
	})
}

func (c *deviceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.messages
	ch <- c.online
	ch <- c.seenAt
}

func (c *deviceCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range c.reg.List() {
		online := 0.0
		if d.Online {
			online = 1
		}
		ch <- prometheus.MustNewConstMetric(c.messages, prometheus.CounterValue, float64(d.Messages), d.ID, d.Source)
		ch <- prometheus.MustNewConstMetric(c.online, prometheus.GaugeValue, online, d.ID, d.Source)
		ch <- prometheus.MustNewConstMetric(c.seenAt, prometheus.GaugeValue, float64(d.LastSeen.UnixNano())/1e9, d.ID, d.Source)
	}
}
