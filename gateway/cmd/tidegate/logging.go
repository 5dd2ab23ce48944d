package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
)

// logOutput is the gateway's log output, whose level and format a reload
// changes while the loggers derived from it (With, WithGroup: every
// component keeps its own) follow: they hold a handler that asks the output
// for its current format at each record.
type logOutput struct {
	w        io.Writer
	terminal bool // whether w is a terminal, for format auto
	level    slog.LevelVar
	base     atomic.Pointer[slog.Handler]
}

func newLogOutput(w io.Writer, terminal bool, l config.Log) *logOutput {
	o := &logOutput{w: w, terminal: terminal}
	o.apply(l)
	return o
}

// apply switches to l's level and format.
func (o *logOutput) apply(l config.Log) {
	o.level.Set(l.Level.Slog())
	opts := &slog.HandlerOptions{Level: &o.level, ReplaceAttr: readableDurations}
	// Text on a terminal, JSON otherwise (journald, log shippers), unless
	// the format says which.
	var h slog.Handler
	if l.Format == config.FormatJSON || (l.Format != config.FormatText && !o.terminal) {
		h = slog.NewJSONHandler(o.w, opts)
	} else {
		h = slog.NewTextHandler(o.w, opts)
	}
	o.base.Store(&h)
}

// logger returns the logger everything logs through.
func (o *logOutput) logger() *slog.Logger {
	return slog.New(&switchHandler{out: o, built: &atomic.Pointer[builtHandler]{}})
}

// switchHandler is the current format's handler with the attributes and
// groups a derived logger added, rebuilt when the format changes.
type switchHandler struct {
	out *logOutput
	// with replays With and WithGroup, in order, on a format's handler.
	with  []func(slog.Handler) slog.Handler
	built *atomic.Pointer[builtHandler]
}

type builtHandler struct {
	base *slog.Handler // the format it was built on
	h    slog.Handler
}

func (h *switchHandler) current() slog.Handler {
	base := h.out.base.Load()
	if b := h.built.Load(); b != nil && b.base == base {
		return b.h
	}
	hh := *base
	for _, f := range h.with {
		hh = f(hh)
	}
	h.built.Store(&builtHandler{base: base, h: hh})
	return hh
}

func (h *switchHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.out.level.Level()
}

func (h *switchHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.current().Handle(ctx, r)
}

func (h *switchHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.derive(func(b slog.Handler) slog.Handler { return b.WithAttrs(attrs) })
}

func (h *switchHandler) WithGroup(name string) slog.Handler {
	return h.derive(func(b slog.Handler) slog.Handler { return b.WithGroup(name) })
}

func (h *switchHandler) derive(f func(slog.Handler) slog.Handler) *switchHandler {
	return &switchHandler{out: h.out, with: append(slices.Clip(h.with), f), built: &atomic.Pointer[builtHandler]{}}
}

// readableDurations writes durations as people read them, "1s", "1h30m",
// "24h", in both formats: JSON would give nanoseconds (86400000000000), and
// time.Duration's own text trailing zero units ("24h0m0s").
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(durationText(a.Value.Duration()))
	}
	return a
}

// durationText is d.String() without trailing zero units.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
