package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tidegate/tidegate/devices/registry"
)

// runDevices lists the devices a running gateway has heard from.
func runDevices(args []string) error {
	if len(args) == 0 || args[0] != "ls" {
		return usageErrorf("usage: tidegate devices ls [--endpoint URL] [--json]")
	}
	var c clientFlags
	fs := newFlagSet("devices ls", "[--endpoint URL] [--json]")
	c.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	resp, err := http.Get(strings.TrimSuffix(c.endpoint, "/") + "/api/v1/devices")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v1/devices: %s", resp.Status)
	}
	var body struct {
		Devices []registry.Device `json:"devices"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("GET /api/v1/devices: %w", err)
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
