package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tidegate/tidegate/gateway/config"
)

const configUsage = "usage: tidegate config check FILE"

// runConfig handles `tidegate config check FILE`: load FILE as `tidegate run` would (with
// the TIDEGATE_* environment applied) and report every problem with its position.
func runConfig(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usageErrorf("%s", configUsage)
	}
	fs := newFlagSet("config check", "FILE")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		return usageErrorf("%s", configUsage)
	}
	return checkConfig(os.Stdout, os.Stderr, fs.Arg(0), os.Environ())
}

// checkConfig prints "FILE: ok (…)" to stdout, or each problem on its own line to stderr
// (so that editors can jump to file:line:col) and returns a one-line summary.
func checkConfig(stdout, stderr io.Writer, file string, environ []string) error {
	cfg, err := config.Load(file, environ)
	if _, ok := errors.AsType[*config.Error](err); err != nil && !ok {
		return err // not a configuration problem: the file could not be read
	}
	if err == nil {
		// What `run` would not build on this machine: it would report those
		// deliveries failed.
		err = cfg.CheckDeliveries()
	}
	if err != nil {
		problems := config.Problems(err)
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return fmt.Errorf("%s: %s", file, plural(len(problems), "problem"))
	}
	scheme := "http"
	if cfg.Listen.TLS != nil {
		scheme = "https"
	}
	_, err = fmt.Fprintf(stdout, "%s: ok (%s, %s %s)\n", file, plural(len(cfg.Streams), "stream"), scheme, cfg.Listen.HTTP)
	return err
}

// plural writes "1 stream", "2 streams".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
