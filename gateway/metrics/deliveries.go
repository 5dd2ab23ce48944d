package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/uplink"
)

// DeliveryLister is what the delivery metrics read at each scrape: the uplink
// manager.
type DeliveryLister interface{ List() []uplink.Status }

type deliveryCollector struct {
	list                                              DeliveryLister
	state, records, bytes, batches, retries           *prometheus.Desc
	deadLettered, dropped, redelivered                *prometheus.Desc
	undeliveredDeleted                                *prometheus.Desc
	backlogRecords, backlogBytes, behind, lastSuccess *prometheus.Desc
}

var deliveryStates = []uplink.State{uplink.StateDelivering, uplink.StateBackingOff, uplink.StateFailing, uplink.StatePaused, uplink.StateStopped, uplink.StateFailed}

// RegisterDeliveries exports every delivery's status: state, counters, and the
// backlog waiting in its source streams.
func (r *Registry) RegisterDeliveries(l DeliveryLister) error {
	d := []string{"delivery", "destination"}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append(append([]string(nil), d...), labels...), nil)
	}
	return r.reg.Register(&deliveryCollector{
		list:         l,
		state:        desc("tidegate_delivery_state", "1 for the delivery's current state, 0 for the others.", "state"),
		records:      desc("tidegate_delivery_records_total", "Records the destination acknowledged."),
		bytes:        desc("tidegate_delivery_bytes_total", "Bytes the destination acknowledged, as sent (formatted, before compression)."),
		batches:      desc("tidegate_delivery_batches_total", "Batches delivered."),
		retries:      desc("tidegate_delivery_retries_total", "Attempts that failed and were retried."),
		deadLettered: desc("tidegate_delivery_dead_lettered_records_total", "Records sent to the dead-letter stream."),
		dropped:      desc("tidegate_delivery_dropped_records_total", "Records the transform dropped."),
		redelivered:  desc("tidegate_delivery_redelivered_records_total", "Records sent again after an attempt that may have delivered them (a restart, a cut connection, a timeout, a 5xx): possible duplicates at the destination."),
		undeliveredDeleted: desc("tidegate_delivery_undelivered_deleted_records_total",
			"Records deleted from a source stream before the delivery sent them: kept past their retention for it, forced out by the stream's byte limit or the disk reserve."),
		backlogRecords: desc("tidegate_delivery_backlog_records", "Records waiting in the source streams behind the delivery's checkpoint."),
		backlogBytes:   desc("tidegate_delivery_backlog_bytes", "Bytes waiting in the source streams behind the delivery's checkpoint."),
		behind:         desc("tidegate_delivery_millis_behind_latest", "Age of the oldest record not yet delivered, in milliseconds."),
		lastSuccess:    desc("tidegate_delivery_last_success_timestamp_seconds", "When a batch was last delivered."),
	})
}

func (c *deliveryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.state, c.records, c.bytes, c.batches, c.retries, c.deadLettered, c.dropped, c.redelivered, c.undeliveredDeleted, c.backlogRecords, c.backlogBytes, c.behind, c.lastSuccess} {
		ch <- d
	}
}

func (c *deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.list.List() {
		l := []string{s.Name, s.Destination}
		for _, st := range deliveryStates {
			v := 0.0
			if s.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, v, append(l, string(st))...)
		}
		counter := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
		}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
		}
		counter(c.records, s.RecordsDelivered)
		counter(c.bytes, s.BytesDelivered)
		counter(c.batches, s.Batches)
		counter(c.retries, s.Retries)
		counter(c.deadLettered, s.DeadLettered)
		counter(c.dropped, s.Dropped)
		counter(c.redelivered, s.Redelivered)
		counter(c.undeliveredDeleted, s.UndeliveredDeleted)
		gauge(c.backlogRecords, float64(s.BacklogRecords))
		gauge(c.backlogBytes, float64(s.BacklogBytes))
		gauge(c.behind, float64(s.MillisBehindLatest))
		if !s.LastDelivery.IsZero() {
			gauge(c.lastSuccess, float64(s.LastDelivery.UnixNano())/1e9)
		}
	}
}
