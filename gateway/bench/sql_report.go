package bench

import "fmt"

// SQLRows lays out a SQL result for WriteTable, each figure with its target.
func SQLRows(r SQLResult) []Row {
	f0 := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	return []Row{
		{"baseline: shards read", f0(r.BaselineReadRowsPerSec), "rows/s", "the same stream, no query"},
		{"filter/projection", f0(r.FilterRowsPerSec), "rows/s", fmt.Sprintf("%.2f of the baseline; target ≥ 1,000,000", r.FilterRatio)},
		{"GROUP BY device, TUMBLE(1 min)", f0(r.GroupByEventsPerSec), "events/s", fmt.Sprintf("%d devices, %.2f of the baseline; target ≥ 500,000", r.Devices, r.GroupByRatio)},
		{fmt.Sprintf("%d queries on one stream", r.Queries), f0(r.MultiQueryEvaluationsPerSec), "evaluations/s", fmt.Sprintf("%d records each; target ≥ 2,000,000", r.MultiRecords)},
		{"memory per stateless query", f0(r.BytesPerStatelessQuery), "bytes", "heap added, running; target ≤ 50,000"},
		{"emit delay p50", fmt.Sprintf("%.1f", r.EmitP50Ms), "ms", "watermark past a window's end → its row stored"},
		{"emit delay p99", fmt.Sprintf("%.1f", r.EmitP99Ms), "ms", fmt.Sprintf("%d windows; target ≤ 10", r.Windows)},
		{"ingest alone", fmt.Sprintf("%.3f", r.IngestRatioAlone), "of offered", fmt.Sprintf("%.0f records/s offered by another process", r.IngestOfferedPerSec)},
		{"ingest during an ad-hoc query", fmt.Sprintf("%.3f", r.IngestRatioDuringQuery), "of offered", fmt.Sprintf("the query read %d records in %.1f s (%.0f rows/s); target ≥ 0.95", r.Records, r.AdhocSec, r.AdhocRowsPerSec)},
	}
}
