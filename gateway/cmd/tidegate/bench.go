package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"syscall"

	"github.com/tidegate/tidegate/gateway/bench"
	"github.com/tidegate/tidegate/gateway/config"
)

// benchmarks are the `tidegate bench <name>` subcommands.
var benchmarks = map[string]func(ctx context.Context, args []string) error{
	"shards": benchShards,
	"api":    benchAPI,
	"mqtt":   benchMQTT,
	"uplink": benchUplink,
	"sql":    benchSQL,
	"video":  benchVideo,
}

// benchSummaries say what each benchmark measures, for `tidegate bench -h`.
var benchSummaries = map[string]string{
	"shards": "the storage engine: fsync'd puts against raw disk and bbolt baselines",
	"api":    "the Kinesis API with AWS SDK clients (and a peer endpoint, --peer)",
	"mqtt":   "devices → MQTT broker → durable records, embedded broker and Mosquitto",
	"uplink": "deliveries draining a backlog to the file destination and an HTTP endpoint receiver",
	"sql":    "continuous SQL: filter, windowed group-by, 1,000 queries, emit delay, ingest during a query",
	"video":  "N simulated 2 Mbit/s H.264 cameras pushing over RTSP, recorded: CPU per camera, write amplification, drops",
}

func runBench(args []string) error {
	var subs []subcommand
	for _, name := range benchNames() {
		run := benchmarks[name]
		subs = append(subs, subcommand{name, benchSummaries[name], func(args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return run(ctx, args)
		}})
	}
	return runGroup("bench", subs, args)
}

// benchFlags are the flags every benchmark takes.
type benchFlags struct {
	dir, cpuprofile string
	json            bool
}

func (b *benchFlags) register(fs *flag.FlagSet, dirHelp string) {
	fs.StringVar(&b.dir, "dir", defaultDataDir(), dirHelp)
	fs.StringVar(&b.cpuprofile, "cpuprofile", "", "write a pprof CPU profile of the run to this file")
	fs.BoolVar(&b.json, "json", false, "print one JSON object instead of a table")
}

// measure parses args, then runs fn on the benchmark's directory, under
// the CPU profile when one is asked for.
func (b *benchFlags) measure(fs *flag.FlagSet, args []string, fn func(dir string) error) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	stop, err := b.start()
	if err != nil {
		return err
	}
	defer stop()
	return fn(b.dir)
}

// start creates the directory and starts the CPU profile; stop ends the
// profile and removes the directories start created: a benchmark works in
// temporary directories of its own and leaves nothing behind, not even an
// empty ./data.
func (b *benchFlags) start() (stop func(), err error) {
	undo, err := makeDir(b.dir)
	if err != nil {
		return nil, err
	}
	if b.cpuprofile == "" {
		return undo, nil
	}
	f, err := os.Create(b.cpuprofile)
	if err != nil {
		undo()
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		undo()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close(); undo() }, nil
}

// makeDir creates dir with the parents it lacks; undo removes those it
// created, deepest first, each only if it is empty.
func makeDir(dir string) (undo func(), err error) {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return func() {
		for _, d := range created {
			os.Remove(d)
		}
	}, nil
}

// report prints the result as JSON or as a table.
func (b *benchFlags) report(result any, title string, rows []bench.Row) error {
	if b.json {
		return bench.WriteJSON(os.Stdout, result)
	}
	return bench.WriteTable(os.Stdout, title, rows)
}

func num(format string, v float64) string { return fmt.Sprintf(format, v) }

func benchNames() []string { return slices.Sorted(maps.Keys(benchmarks)) }

func benchShards(ctx context.Context, args []string) error {
	o := bench.DefaultShardsOptions()
	fs := newFlagSet("bench shards", "[--writers N] [--batch N] [--duration D] [--readers N] [--dir DIR] [--json]")
	fs.IntVar(&o.Writers, "writers", o.Writers, "concurrent writers")
	fs.IntVar(&o.Batch, "batch", o.Batch, "records per PutRecords call (1-500)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the writers write")
	fs.IntVar(&o.RecordSize, "record-size", o.RecordSize, "bytes of data per record")
	fs.IntVar(&o.Shards, "shards", o.Shards, "shards in the benchmark stream")
	fs.IntVar(&o.Readers, "readers", o.Readers, "tailing readers following every shard during a second write phase (0: none)")
	fs.Int64Var(&o.BaselineBytes, "baseline-bytes", o.BaselineBytes, "bytes each baseline writes (0: as many as the engine's records held)")
	var b benchFlags
	b.register(fs, "directory on the disk to measure (a temporary subdirectory is used and removed)")
	var r bench.ShardsResult
	err := b.measure(fs, args, func(dir string) (err error) {
		o.Dir = dir
		r, err = bench.Shards(ctx, o)
		return err
	})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("tidegate bench shards: %d writers × batches of %d × %d-byte records, %d shards, %.1f s",
		r.Writers, r.Batch, r.RecordSize, r.Shards, r.DurationSec)
	rows := []bench.Row{
		{Name: "write", Value: num("%.0f", r.WriteRecordsPerSec), Unit: "records/s", Note: fmt.Sprintf("%d records, fsync'd before ack", r.RecordsWritten)},
		{Name: "write", Value: num("%.1f", r.WriteMBPerSec), Unit: "MB/s", Note: "record data"},
		{Name: "ack p50", Value: num("%.2f", r.AckP50Ms), Unit: "ms"},
		{Name: "ack p99", Value: num("%.2f", r.AckP99Ms), Unit: "ms"},
	}
	if r.Readers > 0 {
		rows = append(rows,
			bench.Row{Name: "write with readers", Value: num("%.0f", r.WriteRecordsPerSecWithReaders), Unit: "records/s", Note: fmt.Sprintf("again, %d tailing readers following every shard from the start", r.Readers)},
			bench.Row{Name: "ack p50 with readers", Value: num("%.2f", r.AckP50MsWithReaders), Unit: "ms"},
			bench.Row{Name: "ack p99 with readers", Value: num("%.2f", r.AckP99MsWithReaders), Unit: "ms", Note: "target ≤ 20 ms with 8 readers"},
			bench.Row{Name: "tail", Value: num("%.0f", r.TailRecordsPerSec), Unit: "records/s", Note: "all readers together, every record by each"},
		)
	}
	return b.report(r, title, append(rows, []bench.Row{
		{Name: "read", Value: num("%.0f", r.ReadRecordsPerSec), Unit: "records/s", Note: "every record, a reader per shard"},
		{Name: "baseline: disk", Value: num("%.1f", r.DiskMBPerSec), Unit: "MB/s", Note: "1 MiB writes + fdatasync, same bytes"},
		{Name: "baseline: bbolt", Value: num("%.0f", r.BoltRecordsPerSec), Unit: "records/s", Note: "64 KiB values, one fsync'd tx per MiB, same bytes"},
		{Name: "ratio to disk", Value: num("%.2f", r.RatioToDisk), Unit: "×"},
		{Name: "ratio to bbolt", Value: num("%.2f", r.RatioToBolt), Unit: "×"},
	}...))
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
	var b benchFlags
	b.register(fs, "where the in-process gateway keeps its temporary data")
	var r bench.APIResult
	err := b.measure(fs, args, func(dir string) (err error) {
		o.Dir = dir
		r, err = bench.API(ctx, o)
		return err
	})
	if err != nil {
		return err
	}
	target := o.Endpoint
	if target == "" {
		target = "in-process gateway"
	}
	rows := []bench.Row{
		{Name: "put", Value: num("%.0f", r.PutRecordsPerSec), Unit: "records/s", Note: fmt.Sprintf("%s, %d records acknowledged", target, r.RecordsPut)},
		{Name: "put p99", Value: num("%.2f", r.PutP99Ms), Unit: "ms", Note: fmt.Sprintf("PutRecords of %d", r.Batch)},
		{Name: "get", Value: num("%.0f", r.GetRecordsPerSec), Unit: "records/s", Note: "GetRecords drain, a reader per shard"},
	}
	if o.Peer != "" {
		rows = append(rows,
			bench.Row{Name: "peer put", Value: num("%.0f", r.PeerPutRecordsPerSec), Unit: "records/s", Note: o.Peer},
			bench.Row{Name: "peer put p99", Value: num("%.2f", r.PeerPutP99Ms), Unit: "ms"},
			bench.Row{Name: "peer get", Value: num("%.0f", r.PeerGetRecordsPerSec), Unit: "records/s"},
			bench.Row{Name: "ratio to peer", Value: num("%.1f", r.RatioToPeer), Unit: "×", Note: "put rate"},
		)
	}
	title := fmt.Sprintf("tidegate bench api: %d AWS SDK clients × PutRecords of %d × %d-byte records, %.1f s",
		r.Clients, r.Batch, r.RecordSize, r.DurationSec)
	return b.report(r, title, rows)
}

func benchMQTT(ctx context.Context, args []string) error {
	o := bench.DefaultMQTTOptions()
	fs := newFlagSet("bench mqtt", "[--devices N] [--window N] [--duration D] [--json]")
	fs.IntVar(&o.Devices, "devices", o.Devices, "concurrent MQTT connections, one device each, publishing QoS 1")
	fs.IntVar(&o.Window, "window", o.Window, "QoS 1 publishes in flight per device")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the devices publish")
	fs.StringVar(&o.Mosquitto, "mosquitto", "", "mosquitto binary for the external-broker run (default: on PATH or /usr/sbin)")
	var b benchFlags
	b.register(fs, "where the gateway keeps its temporary data")
	var r bench.MQTTResult
	err := b.measure(fs, args, func(dir string) (err error) {
		o.Dir = dir
		r, err = bench.MQTT(ctx, o)
		return err
	})
	if err != nil {
		return err
	}
	rows := mqttRows("embedded broker", r.Embedded)
	if r.Mosquitto == nil {
		rows = append(rows, bench.Row{Name: "via mosquitto", Value: "-", Note: r.MosquittoSkip})
	} else {
		rows = append(rows, mqttRows("via mosquitto", *r.Mosquitto)...)
	}
	title := fmt.Sprintf("tidegate bench mqtt: %d devices × QoS 1 × ~100-byte JSON, %d in flight each, %.1f s",
		r.Devices, r.Window, r.DurationSec)
	if err := b.report(r, title, rows); err != nil {
		return err
	}
	// After the report, so the counts are there to read; the exit status
	// tells a script.
	return r.Loss()
}

// mqttRows are one broker's lines of the bench mqtt table.
func mqttRows(name string, r bench.MQTTRun) []bench.Row {
	lost := bench.Row{Name: name + " lost", Value: fmt.Sprint(r.Lost), Unit: "messages", Note: "published − stored, must be 0"}
	if r.Lost != 0 {
		lost.Note = "LOST: published − stored must be 0"
	}
	return []bench.Row{
		{Name: name, Value: num("%.0f", r.MessagesPerSec), Unit: "messages/s", Note: fmt.Sprintf("stored durably, %.1f s from the first publish to the last record on disk", r.Seconds)},
		{Name: name + " p99", Value: num("%.2f", r.P99Ms), Unit: "ms", Note: "publish → record on disk"},
		{Name: name + " published", Value: fmt.Sprint(r.Published), Unit: "messages", Note: "acknowledged by the broker (PUBACK)"},
		{Name: name + " stored", Value: fmt.Sprint(r.Stored), Unit: "records", Note: "in the stream afterwards"},
		lost,
	}
}

func benchUplink(ctx context.Context, args []string) error {
	o := bench.DefaultUplinkOptions()
	fs := newFlagSet("bench uplink", "[--records N] [--size N] [--shards N] [--buffer SIZE] [--dir DIR] [--json]")
	fs.IntVar(&o.Records, "records", o.Records, "records in the backlog drained")
	fs.IntVar(&o.RecordSize, "size", o.RecordSize, "bytes of data per record")
	fs.IntVar(&o.Shards, "shards", o.Shards, "shards in the source stream")
	fs.Func("buffer", "the delivery's buffer size, 1MiB-128MiB (default 5MiB)", func(s string) error {
		n, err := config.ParseByteSize(s)
		o.BufferSize = int64(n)
		return err
	})
	var b benchFlags
	b.register(fs, "directory on the disk to measure (a temporary subdirectory is used and removed)")
	// Not the data directory, as for the other benchmarks: at the defaults
	// this one writes about 0.7 GB (the backlog, then its copy as files).
	fs.Lookup("dir").DefValue, b.dir = o.Dir, o.Dir
	var r bench.UplinkResult
	err := b.measure(fs, args, func(dir string) (err error) {
		o.Dir = dir
		r, err = bench.Uplink(ctx, o)
		return err
	})
	if err != nil {
		return err
	}
	title, rows := bench.UplinkReport(r)
	return b.report(r, title, rows)
}
