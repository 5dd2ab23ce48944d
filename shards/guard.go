package shards

import (
	"fmt"
	"runtime/debug"
)

// guard runs fn, turning a panic or a memory fault inside it (bbolt panics
// on damaged pages; a truncated file faults its mmap) into ErrCorrupt, so a
// damaged file on an SD card is an error to handle, not a crashed gateway.
func guard(what string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, what, r)
		}
	}()
	return fn()
}
