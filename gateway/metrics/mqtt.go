package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/devices/mqtt"
)

// mqttCollector exports the MQTT sources' counters at scrape time.
type mqttCollector struct {
	stats             func() mqtt.Stats
	messages, records *prometheus.Desc
}

// RegisterMQTT exports what became of the messages of each MQTT source (the
// embedded broker, each external broker), so that a message acknowledged and
// not stored shows: dead-lettered, refused (not acknowledged, so
// redelivered), and of those no subscription matched, how many were relayed
// to MQTT subscribers.
func (r *Registry) RegisterMQTT(stats func() mqtt.Stats) error {
	return r.reg.Register(&mqttCollector{
		stats: stats,
		messages: prometheus.NewDesc("tidegate_mqtt_messages_total",
			"MQTT messages by source and what became of them: received, dead_lettered, refused (not acknowledged, redelivered), refused_disk_full (of the refused, those a full data directory refused), unmatched (by any subscription), relayed (unmatched, to MQTT subscribers).",
			[]string{"source", "outcome"}, nil),
		records: prometheus.NewDesc("tidegate_mqtt_records_total", "Records stored from MQTT messages.", []string{"source"}, nil),
	})
}

func (c *mqttCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.messages
	ch <- c.records
}

func (c *mqttCollector) Collect(ch chan<- prometheus.Metric) {
	for source, v := range c.stats().Sources {
		for _, o := range []struct {
			outcome string
			n       uint64
		}{
			{"received", v.Messages}, {"dead_lettered", v.DeadLettered},
			{"refused", v.Refused}, {"refused_disk_full", v.DiskFull}, {"unmatched", v.Unmatched}, {"relayed", v.Relayed},
		} {
			ch <- prometheus.MustNewConstMetric(c.messages, prometheus.CounterValue, float64(o.n), source, o.outcome)
		}
		ch <- prometheus.MustNewConstMetric(c.records, prometheus.CounterValue, float64(v.Records), source)
	}
}
