package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	ossignal "os/signal"
	"syscall"

	"github.com/tidegate/tidegate/firmware-sim/fleet"
)

const sensorsUsage = `Usage: firmware-sim sensors [options]

Simulated sensor nodes (node-0001, node-0002, ...), each with its own MQTT connection
(client id = node id), publishing temperature, humidity, pressure and battery readings on
streams/{stream}/{device} (JSON) or spBv1.0/{group}/NDATA/{device} (Sparkplug B). While the
broker is away each node queues readings and delivers them oldest-first when it is back.
Runs until every node has sent --count readings, --duration is over, or SIGINT/SIGTERM;
then flushes the queues (up to --flush-timeout) and disconnects.

Options:
`

// sensors runs the sensors command and returns the exit code.
func sensors(args []string) int {
	var cfg fleet.Config
	var qos uint
	var report, logLevel string
	fs := flag.NewFlagSet("sensors", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sensorsUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Broker, "broker", "tcp://127.0.0.1:1883", "MQTT broker URL")
	fs.IntVar(&cfg.Devices, "devices", 1, "number of sensor nodes")
	fs.Float64Var(&cfg.Rate, "rate", 1, "readings per second per node")
	fs.UintVar(&qos, "qos", 1, "MQTT QoS, 0 or 1")
	fs.StringVar(&cfg.Format, "format", fleet.FormatJSON, "payload format: json or sparkplug")
	fs.StringVar(&cfg.Stream, "stream", "sensors", "stream name, {stream} in --topic")
	fs.StringVar(&cfg.Topic, "topic", fleet.DefaultTopic, "JSON topic template with {device} (and {stream})")
	fs.StringVar(&cfg.Group, "group", "tidegate", "Sparkplug group id")
	fs.IntVar(&cfg.Count, "count", 0, "readings per node, then stop (0 = no limit)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long (0 = no limit)")
	fs.StringVar(&cfg.Username, "username", "", "MQTT username")
	fs.StringVar(&cfg.Password, "password", "", "MQTT password (or FIRMWARE_SIM_PASSWORD)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed for signals and jitter: same seed, same readings")
	fs.IntVar(&cfg.QueueSize, "queue", 10000, "readings each node holds while the broker is away")
	fs.DurationVar(&cfg.FlushTimeout, "flush-timeout", 0, "how long shutdown waits for queues to drain (default 5s)")
	fs.StringVar(&report, "report", "", "write a JSON summary to this file at the end (- for stdout)")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "firmware-sim sensors: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if qos > 1 {
		fmt.Fprintf(os.Stderr, "firmware-sim sensors: --qos %d: only 0 and 1 are supported\n", qos)
		return 2
	}
	cfg.QoS = byte(qos)
	if cfg.Password == "" {
		cfg.Password = os.Getenv("FIRMWARE_SIM_PASSWORD")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "firmware-sim sensors: --log-level: %v\n", err)
		return 2
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := fleet.New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "firmware-sim sensors: %v\n", err)
		return 2
	}
	ctx, stop := ossignal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "firmware-sim sensors: %v\n", err)
		return 1
	}
	if report != "" {
		if err := writeReport(report, f.Report()); err != nil {
			fmt.Fprintf(os.Stderr, "firmware-sim sensors: report: %v\n", err)
			return 1
		}
	}
	return 0
}

func writeReport(path string, r fleet.Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
