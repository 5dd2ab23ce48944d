package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tidegate/tidegate/devices/registry"
)

// runDevices lists the devices a running gateway has heard from, through its REST
// API, with the credentials `tidegate deliveries` uses.
func runDevices(args []string) error {
	return runGroup("devices", []subcommand{{"ls", "list the devices with their source, state and last values", devicesLs}}, args)
}

func devicesLs(args []string) error {
	var c clientFlags
	fs := newFlagSet("devices ls", "[--endpoint URL] [--json]")
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var body struct {
		Devices []registry.Device `json:"devices"`
	}
	if err := c.restCall("GET", strings.TrimSuffix(c.endpoint, "/")+"/api/v1/devices", nil, &body); err != nil {
		return err
	}
	if c.json {
		return printJSON(body.Devices)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tSOURCE\tSTATE\tMESSAGES\tLAST SEEN\tLAST VALUES")
	for _, d := range body.Devices {
		state := "online"
		if !d.Online {
			state = "offline (" + d.Why + ")"
		}
		values, _ := json.Marshal(d.LastValues)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Source, state, d.Messages,
			time.Since(d.LastSeen).Round(time.Second).String()+" ago", values)
	}
	return tw.Flush()
}
