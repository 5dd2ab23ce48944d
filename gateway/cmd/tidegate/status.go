package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/tidegate/tidegate/gateway"
)

// runStatus prints whether a running gateway takes new data, and its disk: free space,
// reserve, whether new data is refused for a full disk, and what each store takes.
func runStatus(args []string) error {
	var c clientFlags
	fs := newFlagSet("status", "[--endpoint URL] [--json]")
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var st gateway.Status
	if err := c.restCall("GET", strings.TrimSuffix(c.endpoint, "/")+"/api/v1/status", nil, &st); err != nil {
		return err
	}
	if c.json {
		return printJSON(st)
	}
	fmt.Fprint(os.Stdout, statusText(st))
	return nil
}

// statusText is the status as `tidegate status` prints it.
func statusText(st gateway.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tidegate %s: ", st.Version)
	if st.Ready {
		b.WriteString("ready")
	} else {
		b.WriteString("NOT READY: " + st.Reason)
	}
	fmt.Fprintf(&b, "\nstreams: %d\n", st.Streams)
	if st.Disk != nil {
		b.WriteString(st.Disk.String())
	}
	return b.String()
}
