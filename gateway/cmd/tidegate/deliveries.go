package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

const deliveriesUsage = `usage: tidegate deliveries ls [--endpoint URL] [--json]
       tidegate deliveries show NAME
       tidegate deliveries create FILE        (one delivery, YAML or JSON, as under deliveries:)
       tidegate deliveries pause|resume|rm NAME`

// deliveryView is a delivery as GET /api/v1/deliveries shows it.
type deliveryView struct {
	uplink.Status
	Origin string `json:"origin"`
}

// runDeliveries lists and manages the deliveries of a running gateway through its
// REST API, with the credentials of restCall.
func runDeliveries(args []string) error {
	if len(args) == 0 {
		return usageErrorf("%s", deliveriesUsage)
	}
	verb, rest := args[0], args[1:]
	var c clientFlags
	fs := newFlagSet("deliveries "+verb, "[--endpoint URL] [--json]")
	c.register(fs)
	pos, err := parseArgs(fs, rest)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(c.endpoint, "/") + "/api/v1/deliveries"
	arg := func() (string, error) {
		if len(pos) != 1 {
			return "", usageErrorf("%s", deliveriesUsage)
		}
		return pos[0], nil
	}
	switch verb {
	case "ls":
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
	case "show":
		name, err := arg()
		if err != nil {
			return err
		}
		var v deliveryView
		if err := c.restCall("GET", base+"/"+name, nil, &v); err != nil {
			return err
		}
		return printJSON(v)
	case "create":
		path, err := arg()
		if err != nil {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v deliveryView
		if err := c.restCall("POST", base, body, &v); err != nil {
			return err
		}
		fmt.Printf("delivery %s created (%s)\n", v.Name, v.State)
		return nil
	case "pause", "resume":
		name, err := arg()
		if err != nil {
			return err
		}
		var st uplink.Status
		if err := c.restCall("POST", base+"/"+name+"/"+verb, nil, &st); err != nil {
			return err
		}
		fmt.Printf("delivery %s %s\n", st.Name, st.State)
		return nil
	case "rm":
		name, err := arg()
		if err != nil {
			return err
		}
		if err := c.restCall("DELETE", base+"/"+name, nil, nil); err != nil {
			return err
		}
		fmt.Printf("delivery %s deleted\n", name)
		return nil
	}
	return usageErrorf("%s", deliveriesUsage)
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
