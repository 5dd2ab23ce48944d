package gateway

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Status is GET /api/v1/status: whether the gateway takes new data and why
// not, and its disk — what `tidegate status` prints.
type Status struct {
	Version string      `json:"version"`
	Ready   bool        `json:"ready"`
	Reason  string      `json:"reason,omitempty"` // why not ready
	Disk    *DiskStatus `json:"disk,omitempty"`   // nil where there is no disk guard
	Streams int         `json:"streams"`
}

// DiskStatus is the data directory's disk, as the disk guard sees it.
type DiskStatus struct {
	Dir          string           `json:"dir"`
	TotalBytes   int64            `json:"total_bytes"`
	FreeBytes    int64            `json:"free_bytes"`
	ReserveBytes int64            `json:"reserve_bytes"`
	Full         bool             `json:"full"` // new data is refused
	Since        time.Time        `json:"since,omitzero"`
	Reason       string           `json:"reason,omitempty"`
	Refused      int64            `json:"refused"`
	UsedBytes    map[string]int64 `json:"used_bytes"` // by store
}

// Status returns the gateway's status.
func (g *Gateway) Status() Status {
	st := Status{Version: g.version, Streams: len(g.store.Streams())}
	st.Ready, st.Reason = g.readiness()
	st.Disk = g.diskStatus()
	return st
}

func (g *Gateway) diskStatus() *DiskStatus {
	if g.disk == nil {
		return nil
	}
	d := g.disk.State()
	return &DiskStatus{Dir: d.Dir, TotalBytes: d.Total, FreeBytes: d.Free, ReserveBytes: d.Reserve,
		Full: d.Full, Since: d.Since, Reason: d.Reason, Refused: d.Refused, UsedBytes: g.disk.Usage()}
}

// String is the disk as the root page and `tidegate status` show it.
func (d *DiskStatus) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "disk: %s: %s free of %s, reserve %s\n", d.Dir, sizeText(d.FreeBytes), sizeText(d.TotalBytes), sizeText(d.ReserveBytes))
	if d.Full {
		fmt.Fprintf(&b, "  FULL since %s (%s ago): %s\n  new data refused (%d refusals so far); bookkeeping and deliveries go on\n",
			d.Since.Local().Format(time.DateTime), time.Since(d.Since).Round(time.Second), d.Reason, d.Refused)
	}
	b.WriteString("  used:")
	for _, store := range slices.Sorted(maps.Keys(d.UsedBytes)) {
		fmt.Fprintf(&b, " %s %s", store, sizeText(d.UsedBytes[store]))
	}
	b.WriteString("\n")
	return b.String()
}

// sizeText writes n bytes in the largest binary unit below it, to one decimal.
func sizeText(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, 0
	for v >= 1024 && unit < 4 {
		v /= 1024
		unit++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[unit])
}

func (g *Gateway) serveStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, g.Status())
}
