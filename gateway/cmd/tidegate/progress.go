package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress shows how a long transfer goes, on one line that it redraws,
// when its output is a terminal; elsewhere (a file, a pipe, a script) it
// shows nothing.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	last  time.Time
}

// newProgress reports on stderr when stderr is a terminal.
func newProgress() *progress {
	fi, err := os.Stderr.Stat()
	return &progress{w: os.Stderr, on: err == nil && fi.Mode()&os.ModeCharDevice != 0, start: time.Now()}
}

// show redraws the line, at most five times a second unless final.
func (p *progress) show(final bool, format string, args ...any) {
	if !p.on {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\033[K"+format, args...)
	if final {
		fmt.Fprintln(p.w)
	}
}

// elapsed is the time since the transfer began, rounded for the eye.
func (p *progress) elapsed() time.Duration { return time.Since(p.start).Round(100 * time.Millisecond) }

// byteSize writes n bytes as people read them: 512 B, 3.4 MB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
