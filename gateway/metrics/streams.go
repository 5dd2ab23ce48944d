package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidegate/tidegate/shards"
)

// streamCollector reads every stream's counters when Prometheus scrapes, so
// the write path pays nothing for metrics.
type streamCollector struct {
	store *shards.Store

	recordsIn, bytesIn, recordsOut, bytesOut *prometheus.Desc
	storage, segments, corrupt, shardsOpen   *prometheus.Desc
	undeliveredDeleted                       *prometheus.Desc
}

var _ prometheus.Collector = (*streamCollector)(nil)

func newStreamCollector(store *shards.Store) *streamCollector {
	l := []string{"stream"}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("tidegate_stream_"+name, help, l, nil)
	}
	return &streamCollector{
		store:      store,
		recordsIn:  d("records_in_total", "Records durably written to the stream."),
		bytesIn:    d("bytes_in_total", "Bytes of record data durably written to the stream."),
		recordsOut: d("records_out_total", "Records returned by reads of the stream."),
		bytesOut:   d("bytes_out_total", "Bytes of record data returned by reads of the stream."),
		storage:    d("storage_bytes", "Bytes the stream's segment files hold on disk."),
		segments:   d("segments", "Segment files of the stream."),
		corrupt:    d("corrupt_chunks_total", "Damaged chunks readers skipped (data lost to disk damage)."),
		shardsOpen: d("open_shards", "Open shards of the stream."),
		undeliveredDeleted: d("undelivered_deleted_records_total",
			"Records the byte limit or the disk reserve deleted before a delivery the stream keeps records for had sent them, summed over those deliveries."),
	}
}

func (c *streamCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.recordsIn, c.bytesIn, c.recordsOut, c.bytesOut, c.storage, c.segments, c.corrupt, c.shardsOpen, c.undeliveredDeleted} {
		ch <- d
	}
}

func (c *streamCollector) Collect(ch chan<- prometheus.Metric) {
	for _, name := range c.store.Streams() {
		s, err := c.store.Stream(name)
		if err != nil {
			continue // deleted since listed
		}
		st := s.Stats()
		counter := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), name)
		}
		gauge := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), name)
		}
		counter(c.recordsIn, st.RecordsIn)
		counter(c.bytesIn, st.BytesIn)
		counter(c.recordsOut, st.RecordsOut)
		counter(c.bytesOut, st.BytesOut)
		counter(c.corrupt, st.CorruptChunks)
		counter(c.undeliveredDeleted, st.UndeliveredDeleted)
		gauge(c.storage, st.StorageBytes)
		gauge(c.segments, int64(st.Segments))
		gauge(c.shardsOpen, int64(s.Config().Shards))
	}
}
