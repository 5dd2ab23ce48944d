package disk

import "fmt"

// Reserve is the space kept for bookkeeping: new data is refused once less
// than this is free. It is a size (Bytes) or a share of the filesystem
// (Percent, more than 0 and at most 100). The zero value is the default:
// 64 MiB or 5 % of the filesystem, whichever is smaller — 64 MiB holds
// hours of checkpoints and markers, and 5 % keeps a small card usable.
type Reserve struct {
	Bytes   int64
	Percent float64
}

// Default reserve: DefaultBytes or DefaultPercent of the filesystem,
// whichever is smaller.
const (
	DefaultBytes   = 64 << 20
	DefaultPercent = 5
)

// Of is the reserve in bytes on a filesystem of total bytes.
func (r Reserve) Of(total int64) int64 {
	switch {
	case r.Percent > 0:
		return int64(float64(total) * r.Percent / 100)
	case r.Bytes > 0:
		return r.Bytes
	}
	return min(DefaultBytes, total*DefaultPercent/100)
}

// Validate refuses a reserve that is neither the default nor a size or a
// share that makes sense.
func (r Reserve) Validate() error {
	switch {
	case r.Bytes < 0:
		return fmt.Errorf("disk: reserve %d bytes is negative", r.Bytes)
	case r.Percent < 0 || r.Percent > 100:
		return fmt.Errorf("disk: reserve %g%% is not a share of the disk: more than 0%% and at most 100%%", r.Percent)
	case r.Bytes > 0 && r.Percent > 0:
		return fmt.Errorf("disk: reserve is a size or a share of the disk, not both")
	}
	return nil
}

// String writes the reserve as it is configured: "64MiB or 5%" for the
// default, else the size in bytes or the share.
func (r Reserve) String() string {
	switch {
	case r.Percent > 0:
		return fmt.Sprintf("%g%%", r.Percent)
	case r.Bytes > 0:
		return fmt.Sprintf("%d bytes", r.Bytes)
	}
	return fmt.Sprintf("default (%d MiB or %d%%, whichever is smaller)", DefaultBytes>>20, DefaultPercent)
}
