package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// subcommand is one verb of a command that has several (streams ls, deliveries
// pause, config check). run gets the arguments after the verb and parses its own
// flags, so that `tidegate streams create -h` shows create's usage and flags.
type subcommand struct {
	name    string
	summary string
	run     func(args []string) error
}

// runGroup dispatches args to the subcommand of command they name. -h, -help,
// --help and help print the subcommands to stdout and exit 0; no subcommand or an
// unknown one prints them to stderr and is a usage error.
func runGroup(command string, subs []subcommand, args []string) error {
	if len(args) == 0 {
		printGroupUsage(os.Stderr, command, subs)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printGroupUsage(os.Stdout, command, subs)
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "tidegate %s: unknown subcommand %q\n\n", command, args[0])
	printGroupUsage(os.Stderr, command, subs)
	return errUsage
}

func printGroupUsage(w io.Writer, command string, subs []subcommand) {
	fmt.Fprintf(w, "Usage: tidegate %s <subcommand> [flags]\n\nSubcommands:\n", command)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, s := range subs {
		fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun \"tidegate %s <subcommand> -h\" for its flags.\n", command)
}
