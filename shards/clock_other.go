//go:build !linux

package shards

// systemMonotonic: without the kernel's boot clock, the process's own.
func systemMonotonic() Monotonic { return newProcessMonotonic() }

// systemSynced: development machines keep their clocks synchronized.
func systemSynced() bool { return true }
