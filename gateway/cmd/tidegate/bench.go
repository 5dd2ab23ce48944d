package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/tidegate/tidegate/gateway/bench"
)

// benchmarks are the `tidegate bench <name>` subcommands.
var benchmarks = map[string]func(ctx context.Context, args []string) error{
	"shards": benchShards,
	"api":    benchAPI,
}

func runBench(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageErrorf("usage: tidegate bench <%s> [flags]", strings.Join(benchNames(), "|"))
	}
	run, ok := benchmarks[args[0]]
	if !ok {
		return usageErrorf("unknown benchmark %q (have: %s)", args[0], strings.Join(benchNames(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// --cpuprofile FILE (any benchmark, first argument after the name) writes a pprof CPU
	// profile of the run: measure before optimising.
	rest := args[1:]
	if len(rest) >= 2 && (rest[0] == "--cpuprofile" || rest[0] == "-cpuprofile") {
		f, err := os.Create(rest[1])
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
		rest = rest[2:]
	}
	return run(ctx, rest)
}

func benchNames() []string {
	var names []string
	for n := range benchmarks {
		names = append(names, n)
	}
	return names
}

func benchShards(ctx context.Context, args []string) error {
	o := bench.DefaultShardsOptions()
	fs := newFlagSet("bench shards", "[--writers N] [--batch N] [--duration D] [--dir DIR] [--json]")
	fs.IntVar(&o.Writers, "writers", o.Writers, "concurrent writers")
	fs.IntVar(&o.Batch, "batch", o.Batch, "records per PutRecords call (1-500)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the writers write")
	fs.IntVar(&o.RecordSize, "record-size", o.RecordSize, "bytes of data per record")
	fs.IntVar(&o.Shards, "shards", o.Shards, "shards in the benchmark stream")
	fs.Int64Var(&o.BaselineBytes, "baseline-bytes", o.BaselineBytes, "bytes each baseline writes (0: as many as the engine's records held)")
	dir := fs.String("dir", defaultDataDir(), "directory on the disk to measure (a temporary subdirectory is used and removed)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return err
	}
	o.Dir = *dir
	r, err := bench.Shards(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return bench.WriteJSON(os.Stdout, r)
	}
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	title := fmt.Sprintf("tidegate bench shards: %d writers × batches of %d × %d-byte records, %d shards, %.1f s",
		r.Writers, r.Batch, r.RecordSize, r.Shards, r.DurationSec)
	return bench.WriteTable(os.Stdout, title, []bench.Row{
		{Name: "write", Value: f("%.0f", r.WriteRecordsPerSec), Unit: "records/s", Note: fmt.Sprintf("%d records, fsync'd before ack", r.RecordsWritten)},
		{Name: "write", Value: f("%.1f", r.WriteMBPerSec), Unit: "MB/s", Note: "record data"},
		{Name: "ack p50", Value: f("%.2f", r.AckP50Ms), Unit: "ms"},
		{Name: "ack p99", Value: f("%.2f", r.AckP99Ms), Unit: "ms"},
		{Name: "read", Value: f("%.0f", r.ReadRecordsPerSec), Unit: "records/s", Note: "every record, a reader per shard"},
		{Name: "baseline: disk", Value: f("%.1f", r.DiskMBPerSec), Unit: "MB/s", Note: "1 MiB writes + fdatasync, same bytes"},
		{Name: "baseline: bbolt", Value: f("%.0f", r.BoltRecordsPerSec), Unit: "records/s", Note: "64 KiB values, one fsync'd tx per MiB, same bytes"},
		{Name: "ratio to disk", Value: f("%.2f", r.RatioToDisk), Unit: "×"},
		{Name: "ratio to bbolt", Value: f("%.2f", r.RatioToBolt), Unit: "×"},
	})
}

func benchAPI(ctx context.Context, args []string) error {
	o := bench.DefaultAPIOptions()
	fs := newFlagSet("bench api", "[--endpoint URL] [--peer URL] [--clients N] [--duration D] [--json]")
	fs.StringVar(&o.Endpoint, "endpoint", "", "a running gateway (default: start one in this process on a temporary data directory)")
	fs.StringVar(&o.Peer, "peer", "", "another Kinesis endpoint (e.g. kinesalite) to run the same load against, for the ratio")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent AWS SDK clients")
	fs.IntVar(&o.Batch, "batch", o.Batch, "records per PutRecords call (1-500)")
	fs.IntVar(&o.RecordSize, "record-size", o.RecordSize, "bytes of data per record")
	fs.IntVar(&o.Shards, "shards", o.Shards, "shards in the benchmark stream")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the clients put")
	dir := fs.String("dir", defaultDataDir(), "where the in-process gateway keeps its temporary data")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return err
	}
	o.Dir = *dir
	r, err := bench.API(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return bench.WriteJSON(os.Stdout, r)
	}
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	target := o.Endpoint
	if target == "" {
		target = "in-process gateway"
	}
	rows := []bench.Row{
		{Name: "put", Value: f("%.0f", r.PutRecordsPerSec), Unit: "records/s", Note: fmt.Sprintf("%s, %d records acknowledged", target, r.RecordsPut)},
		{Name: "put p99", Value: f("%.2f", r.PutP99Ms), Unit: "ms", Note: fmt.Sprintf("PutRecords of %d", r.Batch)},
		{Name: "get", Value: f("%.0f", r.GetRecordsPerSec), Unit: "records/s", Note: "GetRecords drain, a reader per shard"},
	}
	if o.Peer != "" {
		rows = append(rows,
			bench.Row{Name: "peer put", Value: f("%.0f", r.PeerPutRecordsPerSec), Unit: "records/s", Note: o.Peer},
			bench.Row{Name: "peer put p99", Value: f("%.2f", r.PeerPutP99Ms), Unit: "ms"},
			bench.Row{Name: "peer get", Value: f("%.0f", r.PeerGetRecordsPerSec), Unit: "records/s"},
			bench.Row{Name: "ratio to peer", Value: f("%.1f", r.RatioToPeer), Unit: "×", Note: "put rate"},
		)
	}
	title := fmt.Sprintf("tidegate bench api: %d AWS SDK clients × PutRecords of %d × %d-byte records, %.1f s",
		r.Clients, r.Batch, r.RecordSize, r.DurationSec)
	return bench.WriteTable(os.Stdout, title, rows)
}
