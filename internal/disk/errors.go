package disk

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ErrFull is what every *FullError is (errors.Is): the data directory has
// too little space left above its reserve for new data. It is retryable:
// retention, a delivery catching up or an operator frees space.
var ErrFull = errors.New("data directory full")

// FullError is a refusal of new data. Its text is what clients and the log
// see: "data directory full: N bytes free, reserve M".
type FullError struct {
	Free    int64 // bytes free for new data, as last sampled (minus what was admitted since)
	Reserve int64 // bytes kept for bookkeeping
	// Cause is the write that failed for want of space lately, or nil.
	// The text names it only when the figures alone do not explain the
	// refusal (a quota, no inodes left).
	Cause error
}

func (e *FullError) Error() string {
	msg := fmt.Sprintf("%s: %d bytes free, reserve %d", ErrFull, e.Free, e.Reserve)
	if e.Cause != nil && e.Free >= e.Reserve {
		msg += " (a write failed: " + e.Cause.Error() + ")"
	}
	return msg
}

// Is makes every FullError match ErrFull.
func (e *FullError) Is(target error) bool { return target == ErrFull }

// Unwrap returns the cause, so that errors.Is(err, syscall.ENOSPC) holds
// for a refusal a failed write caused.
func (e *FullError) Unwrap() error { return e.Cause }

// IsNoSpace reports whether err is a write that failed for want of space:
// ENOSPC, or EDQUOT (a quota). Some libraries flatten the error to text
// (bbolt's "file resize error: %s"), so the text counts too.
func IsNoSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, syscall.ENOSPC.Error()) || strings.Contains(msg, syscall.EDQUOT.Error())
}
