// Command tidegate is the Tidegate edge gateway: one binary for the daemon and its tools.
//
// Each subcommand lives in its own file and is listed once in [commands]; adding one is a
// new file and a new line in that table.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// command is one tidegate subcommand. run gets the arguments after the subcommand's name.
type command struct {
	name    string
	summary string // one line for the usage listing
	run     func(args []string) error
}

// commands is the dispatch table, in the order the usage lists them.
var commands = []command{
	{"run", "run the gateway: storage, Kinesis API, metrics (run --config FILE)", runRun},
	{"config", "validate a configuration file (config check FILE)", runConfig},
	{"streams", "list, create, describe, delete, split, merge and reshard streams of a running gateway", runStreams},
	{"put", "put records into a stream of a running gateway (DATA, or one per line of stdin)", runPut},
	{"tail", "print a stream's records, following splits and merges (--follow to wait for more)", runTail},
	{"status", "show whether a running gateway takes new data, and its disk (free, reserve, full, use per store)", runStatus},
	{"sql", "run SQL: an ad-hoc SELECT as a table, CREATE/DROP of streams and queries; a shell with no statement", runSQL},
	{"devices", "list the devices a running gateway has heard from (devices ls)", runDevices},
	{"deliveries", "list and manage a running gateway's deliveries (ls, show, create, pause, resume, rm)", runDeliveries},
	{"cameras", "list a running gateway's cameras, save clips and frames (ls, clip, frames)", runCameras},
	{"bench", "measure a hot path on this machine against same-run baselines: bench " + strings.Join(benchNames(), " | "), runBench},
	{"selfcheck", "exercise the storage engine in a scratch directory (used by make pi-check)", runSelfcheck},
	{"version", "print version and build information", runVersion},
}

// errUsage reports a wrong command line whose explanation is already on stderr (the flag
// package prints its own); main exits 2 for it without printing more.
var errUsage = errors.New("usage error")

// usageError is a wrong command line or a refused setting, as opposed to a failure while
// running; main prints it and exits 2, as the flag package does.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func main() {
	err := dispatch(os.Args[1:])
	var uerr *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.As(err, &uerr):
		fmt.Fprintf(os.Stderr, "tidegate: %v\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "tidegate: %v\n", err)
		os.Exit(1)
	}
}

func dispatch(args []string) error {
	if len(args) == 0 {
		printUsage(os.Stdout)
		return nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		printUsage(os.Stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "tidegate: unknown command %q\n\n", args[0])
	printUsage(os.Stderr)
	return errUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: tidegate <command> [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help", "show this help")
	tw.Flush()
	fmt.Fprint(w, "\nRun \"tidegate <command> -h\" for a command's flags.\n")
}

// newFlagSet returns a flag set for a subcommand whose usage names it as "tidegate <name>".
func newFlagSet(name, argsSynopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("tidegate "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tidegate %s %s\n\nFlags:\n", name, argsSynopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and rejects positional arguments, which no subcommand takes yet.
// Errors come back as errUsage (already explained on stderr) or flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
