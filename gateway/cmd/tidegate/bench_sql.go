package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tidegate/tidegate/gateway/bench"
)

// benchSQL measures the continuous-query runtime (`tidegate bench sql`). Run with the
// --ingest-* flags, it is instead the ingest load generator the benchmark starts as a
// process of its own.
func benchSQL(ctx context.Context, args []string) error {
	o := bench.DefaultSQLOptions()
	fs := newFlagSet("bench sql", "[--records N] [--devices N] [--queries N] [--json]")
	fs.IntVar(&o.Records, "records", o.Records, "readings in the history the filter, the group-by and the ad-hoc query read")
	fs.IntVar(&o.Devices, "devices", o.Devices, "distinct devices in them")
	fs.IntVar(&o.Queries, "queries", o.Queries, "simple queries sharing one stream")
	fs.IntVar(&o.MultiRecords, "multi-records", o.MultiRecords, "readings each of those queries evaluates")
	fs.IntVar(&o.IngestRate, "ingest-rate", o.IngestRate, "records/s the ingest load generator offers during the ad-hoc query")
	fs.DurationVar(&o.IngestAlone, "ingest-alone", o.IngestAlone, "how long ingest is offered with no query, for comparison")
	fs.DurationVar(&o.EmitDuration, "emit-duration", o.EmitDuration, "how long readings flow for the emit delay")
	endpoint := fs.String("ingest-endpoint", "", "(internal) be the ingest load generator for the gateway at this URL")
	stream := fs.String("ingest-stream", "ingest", "(internal) the load generator's stream")
	var b benchFlags
	b.register(fs, "where the in-process gateway keeps its temporary data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *endpoint != "" {
		return bench.RunIngest(ctx, *endpoint, *stream, o.IngestRate, os.Stdin, os.Stdout)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o.Ingest = []string{exe, "bench", "sql"}
	var r bench.SQLResult
	stop, err := b.start()
	if err != nil {
		return err
	}
	defer stop()
	o.Dir = b.dir
	r, err = bench.SQL(ctx, o, func(step string) {
		if !b.json {
			fmt.Fprintln(os.Stderr, "…", step)
		}
	})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("tidegate bench sql: %d readings of %d devices from a local stream", r.Records, r.Devices)
	return b.report(r, title, bench.SQLRows(r))
}
