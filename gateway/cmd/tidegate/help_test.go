package main

import (
	"bytes"
	"strings"
	"testing"
)

// Every command and subcommand answers -h with its own usage and flags, and exits 0.
func TestEveryCommandHasItsOwnHelp(t *testing.T) {
	type cmdHelp struct {
		args []string
		want string
	}
	var cases []cmdHelp
	groups := map[string][]subcommand{
		"streams": streamsCommands, "deliveries": deliveriesCommands, "cameras": camerasCommands,
	}
	for _, c := range commands {
		subs, isGroup := groups[c.name]
		switch {
		case isGroup:
			cases = append(cases, cmdHelp{[]string{c.name, "-h"}, "Usage: tidegate " + c.name + " <subcommand>"})
			for _, s := range subs {
				cases = append(cases, cmdHelp{[]string{c.name, s.name, "-h"}, "Usage: tidegate " + c.name + " " + s.name + " "})
			}
		case c.name == "bench":
			cases = append(cases, cmdHelp{[]string{"bench", "--help"}, "Usage: tidegate bench <subcommand>"})
			for _, b := range benchNames() {
				cases = append(cases, cmdHelp{[]string{"bench", b, "-h"}, "Usage: tidegate bench " + b + " "})
			}
		case c.name == "config":
			cases = append(cases, cmdHelp{[]string{"config", "-h"}, "Usage: tidegate config <subcommand>"},
				cmdHelp{[]string{"config", "check", "-h"}, "Usage: tidegate config check FILE"})
		case c.name == "devices":
			cases = append(cases, cmdHelp{[]string{"devices", "help"}, "Usage: tidegate devices <subcommand>"},
				cmdHelp{[]string{"devices", "ls", "-h"}, "Usage: tidegate devices ls "})
		default:
			cases = append(cases, cmdHelp{[]string{c.name, "-h"}, "Usage: tidegate " + c.name})
		}
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := tidegate(t, tc.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if code := exitCode(cmd.Run()); code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
			}
			out := stdout.String() + stderr.String()
			if !strings.Contains(out, tc.want) {
				t.Fatalf("output does not contain %q:\n%s", tc.want, out)
			}
			if strings.Contains(tc.want, "<subcommand>") {
				return
			}
			if !strings.Contains(out, "Flags:") {
				t.Fatalf("no flags listed:\n%s", out)
			}
		})
	}
}

// `tidegate help` names every benchmark, and `tidegate bench -h` describes each.
func TestHelpListsEveryBench(t *testing.T) {
	var stdout bytes.Buffer
	cmd := tidegate(t, "help")
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for _, b := range benchNames() {
		if !strings.Contains(stdout.String(), b) {
			t.Errorf("tidegate help does not name bench %s:\n%s", b, &stdout)
		}
		if benchSummaries[b] == "" {
			t.Errorf("bench %s has no summary for tidegate bench -h", b)
		}
	}
}

// A CLI pointed at a gateway that is not running says so in one line.
func TestNoGatewayIsOneLine(t *testing.T) {
	ep := "http://127.0.0.1:" + freePort(t)
	for _, args := range [][]string{{"streams", "ls"}, {"put", "s", "x"}, {"tail", "s"}, {"devices", "ls"}, {"deliveries", "ls"}} {
		_, stderr, code := run(t, ep, "", args...)
		want := "tidegate: no gateway at " + ep + ": connection refused\n"
		if code != 1 || stderr != want {
			t.Errorf("%v: exit %d, stderr %q; want 1, %q", args, code, stderr, want)
		}
	}
}
