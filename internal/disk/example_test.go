package disk_test

import (
	"errors"
	"fmt"

	"github.com/tidegate/tidegate/internal/disk"
)

// A store shares the data directory's guard: it asks before it writes new
// data, not before bookkeeping, and tells the guard of a write that failed
// for want of space.
func Example() {
	// A 100 MiB disk with 12 MiB free, 10 MiB kept in reserve.
	g, err := disk.New("/data", disk.Options{Reserve: disk.Reserve{Bytes: 10 << 20},
		Statfs: func(string) (disk.Space, error) { return disk.Space{Total: 100 << 20, Free: 12 << 20}, nil }})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := g.Admit(1 << 20); err == nil {
		fmt.Println("1 MiB of new data: written")
	}
	err = g.Admit(4 << 20)
	fmt.Println(err)
	fmt.Println("retry later:", errors.Is(err, disk.ErrFull), "- refusing new data:", g.State().Full)

	// Bookkeeping does not ask. A write of any kind that fails for want
	// of space is told, so that the guard looks again at once:
	//
	//	if err := writeCheckpoint(); disk.IsNoSpace(err) {
	//		g.Refresh(err)
	//	}
	// Output:
	// 1 MiB of new data: written
	// data directory full: 11534336 bytes free, reserve 10485760
	// retry later: true - refusing new data: true
}
