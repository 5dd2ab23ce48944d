package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// deliveryView is a delivery as GET /api/v1/deliveries shows it.
type deliveryView struct {
	uplink.Status
	Origin string `json:"origin"`
}

// deliveriesCommands are the verbs of `tidegate deliveries`; they use the REST API
// with the credentials of restCall.
var deliveriesCommands = []subcommand{
	{"ls", "list the deliveries with their state, backlog and last error", deliveriesLs},
	{"show", "print one delivery's status as JSON (NAME)", deliveriesShow},
	{"create", "create a delivery from a file: one delivery, YAML or JSON, as under deliveries: (FILE)", deliveriesCreate},
	{"pause", "pause a delivery (NAME)", func(args []string) error { return deliveriesAction("pause", args) }},
	{"resume", "resume a paused delivery (NAME)", func(args []string) error { return deliveriesAction("resume", args) }},
	{"rm", "delete a delivery created over the API (NAME)", deliveriesRm},
}

// runDeliveries lists and manages the deliveries of a running gateway.
func runDeliveries(args []string) error { return runGroup("deliveries", deliveriesCommands, args) }

// deliveriesFlags parses a deliveries subcommand's arguments, n positional ones,
// and returns the client and the base URL of the deliveries.
func deliveriesFlags(verb, synopsis string, args []string, n int) (*clientFlags, []string, string, error) {
	var c clientFlags
	fs := newFlagSet("deliveries "+verb, synopsis)
	c.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, "", err
	}
	if err := wantArgs(fs, pos, n, n); err != nil {
		return nil, nil, "", err
	}
	return &c, pos, strings.TrimSuffix(c.endpoint, "/") + "/api/v1/deliveries", nil
}

func deliveriesLs(args []string) error {
	c, _, base, err := deliveriesFlags("ls", "[--json]", args, 0)
	if err != nil {
		return err
	}
	var body struct {
		Deliveries []deliveryView `json:"deliveries"`
	}
	if err := c.restCall("GET", base, nil, &body); err != nil {
		return err
	}
	if c.json {
		return printJSON(body.Deliveries)
	}
	return printDeliveries(body.Deliveries)
}

func deliveriesShow(args []string) error {
	c, pos, base, err := deliveriesFlags("show", "NAME", args, 1)
	if err != nil {
		return err
	}
	var v deliveryView
	if err := c.restCall("GET", base+"/"+pos[0], nil, &v); err != nil {
		return err
	}
	return printJSON(v)
}

func deliveriesCreate(args []string) error {
	c, pos, base, err := deliveriesFlags("create", "FILE [--json]", args, 1)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	var v deliveryView
	if err := c.restCall("POST", base, body, &v); err != nil {
		return err
	}
	return c.done(v, "delivery %s created (%s)\n", v.Name, v.State)
}

func deliveriesAction(verb string, args []string) error {
	c, pos, base, err := deliveriesFlags(verb, "NAME [--json]", args, 1)
	if err != nil {
		return err
	}
	var st uplink.Status
	if err := c.restCall("POST", base+"/"+pos[0]+"/"+verb, nil, &st); err != nil {
		return err
	}
	return c.done(st, "delivery %s %s\n", st.Name, st.State)
}

func deliveriesRm(args []string) error {
	c, pos, base, err := deliveriesFlags("rm", "NAME [--json]", args, 1)
	if err != nil {
		return err
	}
	if err := c.restCall("DELETE", base+"/"+pos[0], nil, nil); err != nil {
		return err
	}
	return c.done(map[string]string{"deleted": pos[0]}, "delivery %s deleted\n", pos[0])
}

func printDeliveries(ds []deliveryView) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tFROM\tTO\tSTATE\tDELIVERED\tBACKLOG\tBEHIND\tDEAD-LETTERED\tLAST ERROR")
	for _, d := range ds {
		behind := time.Duration(d.MillisBehindLatest) * time.Millisecond
		lastErr := d.LastError
		if len(lastErr) > 60 {
			lastErr = lastErr[:57] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d (%s)\t%s\t%d\t%s\n", d.Name, strings.Join(d.From, ","), d.Destination, d.State,
			d.RecordsDelivered, d.BacklogRecords, byteCount(d.BacklogBytes), behind.Round(time.Millisecond), d.DeadLettered, lastErr)
	}
	return tw.Flush()
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
