package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/shards"
)

// SQLOptions configures the continuous-SQL benchmark.
type SQLOptions struct {
	Dir     string // where the gateway keeps its temporary data
	Records int    // the history the filter, the group-by and the ad-hoc query read
	Devices int    // distinct devices in it (one reading each per second of event time)
	Queries int    // simple queries on one stream, for evaluations/s and memory per query
	// MultiRecords are the records those queries each evaluate.
	MultiRecords int
	// IngestRate is what the load generator offers while a full-history ad-hoc query runs;
	// IngestAlone how long it offers it with no query first.
	IngestRate  int
	IngestAlone time.Duration
	// EmitDuration is how long readings flow for the emit delay.
	EmitDuration time.Duration
	// Ingest runs the load generator in its own process: the command, which is given
	// the flags of IngestFlags.
	Ingest []string
}

// DefaultSQLOptions are the settings the targets are stated for.
func DefaultSQLOptions() SQLOptions {
	return SQLOptions{Dir: ".", Records: 10_000_000, Devices: 10_000, Queries: 1_000, MultiRecords: 20_000,
		IngestRate: 50_000, IngestAlone: 5 * time.Second, EmitDuration: 10 * time.Second}
}

// SQLResult is what `tidegate bench sql --json` prints.
type SQLResult struct {
	// The same-run baseline: shards reading the stream with no query.
	BaselineReadRowsPerSec float64 `json:"baseline_read_rows_per_s"`
	// A continuous filter and projection over the history (SINCE), through the runtime.
	FilterRowsPerSec float64 `json:"filter_rows_per_s"`
	FilterRatio      float64 `json:"filter_ratio_to_baseline"`
	// AVG/MAX/COUNT GROUP BY device, TUMBLE(1 min) over Devices devices.
	GroupByEventsPerSec float64 `json:"groupby_events_per_s"`
	GroupByRatio        float64 `json:"groupby_ratio_to_baseline"`
	// Queries simple queries sharing one stream: records × queries per second.
	MultiQueryEvaluationsPerSec float64 `json:"multi_query_evaluations_per_s"`
	// Heap that each of those queries adds to the gateway, running.
	BytesPerStatelessQuery float64 `json:"bytes_per_stateless_query"`
	// From the record that moves a device's watermark past a window's end (its arrival)
	// to the window's row in the output stream (its arrival).
	EmitP50Ms float64 `json:"emit_p50_ms"`
	EmitP99Ms float64 `json:"emit_p99_ms"`
	// Ingest achieved over offered while a full-history ad-hoc query runs, and alone.
	IngestRatioDuringQuery float64 `json:"ingest_ratio_during_query"`
	IngestRatioAlone       float64 `json:"ingest_ratio_alone"`
	IngestOfferedPerSec    float64 `json:"ingest_offered_per_s"`
	AdhocRowsPerSec        float64 `json:"adhoc_rows_per_s"`

	Records      int     `json:"records"`
	Devices      int     `json:"devices"`
	Queries      int     `json:"queries"`
	MultiRecords int     `json:"multi_records"`
	Windows      int     `json:"emit_windows"`
	AdhocSec     float64 `json:"adhoc_s"`
}

// SQL measures the continuous-query runtime of a gateway started in this process on
// generated sensor data, against the rate at which the store reads the same data with no
// query, in the same run.
func SQL(ctx context.Context, o SQLOptions, progress func(string)) (SQLResult, error) {
	res := SQLResult{Records: o.Records, Devices: o.Devices, Queries: o.Queries, MultiRecords: o.MultiRecords}
	if o.Records < 1 || o.Devices < 1 || o.Queries < 1 || o.MultiRecords < 1 || o.IngestRate < 1 || o.EmitDuration <= 0 || o.IngestAlone <= 0 {
		return res, errors.New("bench: sql: records, devices, queries, multi records, ingest rate and emit duration must be positive")
	}
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-sql-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	cfg := config.Default()
	cfg.DataDir, cfg.Listen.HTTP, cfg.MQTT.Listen = tmp, "127.0.0.1:0", "-"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "bench")
	if err := g.Start(ctx); err != nil {
		return res, err
	}
	defer g.Shutdown(context.Background())
	st, m := g.Store(), g.Queries()

	progress(fmt.Sprintf("writing %d readings of %d devices", o.Records, o.Devices))
	sensors, err := st.CreateStream("sensors", shards.StreamConfig{Shards: 2, Retention: 7 * 24 * time.Hour})
	if err != nil {
		return res, err
	}
	if err := writeReadings(ctx, sensors, o.Records, o.Devices); err != nil {
		return res, err
	}
	progress("baseline: reading the stream with no query")
	if res.BaselineReadRowsPerSec, err = readAllRate(ctx, sensors); err != nil {
		return res, err
	}
	if err := runSQL(ctx, m, `CREATE STREAM readings (device STRING, temp DOUBLE, hum DOUBLE, ts TIMESTAMP)
		WITH (source = 'sensors', timestamp = 'ts')`); err != nil {
		return res, err
	}
	progress("filter and projection")
	if res.FilterRowsPerSec, err = backfillRate(ctx, m, "bench_filter", o.Records,
		`CREATE QUERY bench_filter AS INSERT INTO filter_out SELECT device, temp, ts FROM readings SINCE '1970-01-02T00:00:00Z' WHERE temp > 39.9`); err != nil {
		return res, err
	}
	progress("GROUP BY device, TUMBLE(1 minute)")
	if res.GroupByEventsPerSec, err = backfillRate(ctx, m, "bench_groupby", o.Records,
		`CREATE QUERY bench_groupby AS INSERT INTO groupby_out SELECT device, AVG(temp) AS avg_temp, MAX(temp) AS max_temp, COUNT(*) AS n, window_end
		 FROM readings SINCE '1970-01-02T00:00:00Z' GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)`); err != nil {
		return res, err
	}
	if res.BaselineReadRowsPerSec > 0 {
		res.FilterRatio = res.FilterRowsPerSec / res.BaselineReadRowsPerSec
		res.GroupByRatio = res.GroupByEventsPerSec / res.BaselineReadRowsPerSec
	}
	progress(fmt.Sprintf("%d simple queries on one stream", o.Queries))
	if err := multiQuery(ctx, g, o, &res); err != nil {
		return res, err
	}
	progress("delay from a window's end to its row")
	if err := emitDelay(ctx, st, m, o, &res); err != nil {
		return res, err
	}
	progress(fmt.Sprintf("ingest at %d records/s, alone and during a full-history ad-hoc query", o.IngestRate))
	if err := ingestDuringQuery(ctx, g, o, &res); err != nil {
		return res, err
	}
	return res, nil
}

// runSQL runs a script of declarations and queries through the API's path.
func runSQL(ctx context.Context, m *query.Manager, script string) error {
	p, err := m.Prepare(script, query.OriginAPI, false)
	if err != nil {
		return err
	}
	_, err = m.Exec(ctx, p)
	return err
}

// backfillRate creates a query that reads the whole history and measures how fast it gets
// through it: records over the time until it has read them all. The query is deleted
// after.
func backfillRate(ctx context.Context, m *query.Manager, name string, records int, script string) (float64, error) {
	start := time.Now()
	if err := runSQL(ctx, m, script); err != nil {
		return 0, err
	}
	defer runSQL(context.Background(), m, "DROP QUERY "+name)
	for {
		state, c, err := m.Progress(name)
		if err != nil {
			return 0, err
		}
		if state == query.StateFailed {
			st, _ := m.Status(name)
			return 0, fmt.Errorf("bench: sql: %s failed: %s", name, st.LastError)
		}
		if c.RowsIn >= int64(records) {
			return float64(c.RowsIn) / time.Since(start).Seconds(), nil
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
