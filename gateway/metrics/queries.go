package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/analytics/query"
)

// QueryLister is what the query metrics read at each scrape: the query manager.
type QueryLister interface{ List() []query.Status }

type queryCollector struct {
	list                                   QueryLister
	state, rowsIn, rowsOut, late, dropped  *prometheus.Desc
	skipped, refused, windows, memory, max *prometheus.Desc
	lagRecords, lagMillis                  *prometheus.Desc
}

var queryStates = []query.State{query.StateStarting, query.StateRunning, query.StateBackfilling, query.StateWaiting, query.StateStopped, query.StateFailed}

// RegisterQueries exports every continuous query's status: state, rows in and out, late
// rows, memory, and how far behind its input streams it is.
func (r *Registry) RegisterQueries(l QueryLister) error {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"query"}, labels...), nil)
	}
	return r.reg.Register(&queryCollector{
		list:       l,
		state:      desc("tidegate_query_state", "1 for the query's current state, 0 for the others.", "state"),
		rowsIn:     desc("tidegate_query_rows_in_total", "Input rows the query read (every input)."),
		rowsOut:    desc("tidegate_query_rows_out_total", "Result rows the query emitted."),
		late:       desc("tidegate_query_late_rows_total", "Rows too late for their window, written to the EMIT LATE INTO stream."),
		dropped:    desc("tidegate_query_late_dropped_total", "Rows too late for their window, dropped (no EMIT LATE INTO)."),
		skipped:    desc("tidegate_query_records_skipped_total", "Input records that did not decode."),
		refused:    desc("tidegate_query_rows_refused_total", "Rows refused at a limit of the query's state."),
		windows:    desc("tidegate_query_windows_closed_total", "Windows closed."),
		memory:     desc("tidegate_query_memory_bytes", "Memory the query's state takes, as the planner counts it."),
		max:        desc("tidegate_query_memory_limit_bytes", "The most memory the query's state may take (its bound)."),
		lagRecords: desc("tidegate_query_lag_records", "Records in the query's input streams it has not read yet.", "stream"),
		lagMillis:  desc("tidegate_query_lag_millis", "Age of the oldest record the query has not read yet, in milliseconds.", "stream"),
	})
}

func (c *queryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.state, c.rowsIn, c.rowsOut, c.late, c.dropped, c.skipped, c.refused, c.windows, c.memory, c.max, c.lagRecords, c.lagMillis} {
		ch <- d
	}
}

func (c *queryCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.list.List() {
		for _, st := range queryStates {
			v := 0.0
			if s.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, v, s.Name, string(st))
		}
		counter := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.Name)
		}
		counter(c.rowsIn, s.Counters.RowsIn)
		counter(c.rowsOut, s.Counters.RowsOut)
		counter(c.late, s.Counters.Late)
		counter(c.dropped, s.Counters.LateDropped)
		counter(c.skipped, s.Counters.Skipped)
		counter(c.refused, s.Counters.Refused)
		counter(c.windows, s.Counters.Windows)
		ch <- prometheus.MustNewConstMetric(c.memory, prometheus.GaugeValue, float64(s.MemoryBytes), s.Name)
		ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MemoryLimit), s.Name)
		// A stream read twice (a join of a stream with itself) is one series.
		lag := map[string][2]int64{}
		var streams []string
		for _, in := range s.Inputs {
			l, seen := lag[in.Stream]
			if !seen {
				streams = append(streams, in.Stream)
			}
			lag[in.Stream] = [2]int64{l[0] + in.LagRecords, max(l[1], in.LagMillis)}
		}
		for _, stream := range streams {
			ch <- prometheus.MustNewConstMetric(c.lagRecords, prometheus.GaugeValue, float64(lag[stream][0]), s.Name, stream)
			ch <- prometheus.MustNewConstMetric(c.lagMillis, prometheus.GaugeValue, float64(lag[stream][1]), s.Name, stream)
		}
	}
}
