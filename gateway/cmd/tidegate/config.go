package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
)

// runConfig handles `tidegate config check FILE`.
func runConfig(args []string) error {
	return runGroup("config", []subcommand{{"check", "check a configuration file as tidegate run would, without starting anything (FILE)", configCheck}}, args)
}

// configCheck loads FILE as `tidegate run` would (with the TIDEGATE_* environment
// applied) and reports every problem with its position.
func configCheck(args []string) error {
	fs := newFlagSet("config check", "FILE")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1); err != nil {
		return err
	}
	return checkConfig(os.Stdout, os.Stderr, pos[0], os.Environ())
}

// checkConfig prints "FILE: ok (…)" to stdout, or each problem on its own line to stderr
// (so that editors can jump to file:line:col) and returns a one-line summary.
func checkConfig(stdout, stderr io.Writer, file string, environ []string) error {
	cfg, err := config.Load(file, environ)
	if _, ok := errors.AsType[*config.Error](err); err != nil && !ok {
		return err // not a configuration problem: the file could not be read
	}
	if err == nil {
		// What `run` would not build on this machine (it would hold those
		// deliveries as failed), and what the gateway's start would refuse
		// beyond the file's own rules, both found without starting anything.
		var errs []error
		if derr := cfg.CheckDeliveries(); derr != nil {
			errs = append(errs, config.Problems(derr)...)
		}
		if cerr := gateway.Check(cfg); cerr != nil {
			errs = append(errs, config.Problems(prefixed(file, cerr))...)
		}
		err = errors.Join(errs...)
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

// prefixed puts file before each of the problems in err, as config's own errors
// have it.
func prefixed(file string, err error) error {
	var out []error
	for _, p := range config.Problems(err) {
		out = append(out, fmt.Errorf("%s: %w", file, p))
	}
	return errors.Join(out...)
}

// plural writes "1 stream", "2 streams".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
