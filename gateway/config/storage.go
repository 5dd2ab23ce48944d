package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/internal/disk"
)

// Storage is what the gateway keeps for itself on the data directory's disk
// (docs/durability.md, "A full disk").
type Storage struct {
	// Reserve is kept for bookkeeping: below it new data is refused.
	Reserve DiskReserve `yaml:"reserve"`
}

// DiskReserve is storage.reserve as written: a size ("64MiB") or a share of
// the disk ("5%"); empty means the default, 64 MiB or 5 % of the disk,
// whichever is smaller. Resolve reads it.
type DiskReserve string

// Resolve returns the reserve the disk guard takes.
func (r DiskReserve) Resolve() (disk.Reserve, error) {
	s := strings.TrimSpace(string(r))
	if s == "" {
		return disk.Reserve{}, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(pct > 0 && pct <= 50) {
			return disk.Reserve{}, fmt.Errorf("invalid reserve %q: a share of the disk is more than 0%% and at most 50%%, as in 5%%", s)
		}
		return disk.Reserve{Percent: pct}, nil
	}
	n, err := ParseByteSize(s)
	if err != nil {
		return disk.Reserve{}, fmt.Errorf("%w, or a share of the disk as in 5%%", err)
	}
	if n < MiB {
		return disk.Reserve{}, fmt.Errorf("reserve %s is below the minimum of 1MiB: checkpoints, markers and sessions need room", n)
	}
	return disk.Reserve{Bytes: int64(n)}, nil
}

// UnmarshalYAML reads a reserve, reporting a bad one at its position.
func (r *DiskReserve) UnmarshalYAML(node ast.Node) error {
	text, err := scalarText(node, "a size such as 64MiB or a share such as 5%")
	if err != nil {
		return err
	}
	if _, err := DiskReserve(text).Resolve(); err != nil {
		return nodeError(node, err.Error())
	}
	*r = DiskReserve(text)
	return nil
}

// validateStorage checks storage.reserve (it may come from the environment).
func (c *Config) validateStorage(p *problems) {
	if _, err := c.Storage.Reserve.Resolve(); err != nil {
		p.add("storage.reserve", "%s", err)
	}
}
