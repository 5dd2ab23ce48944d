package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
)

// A reload switches format and level under loggers already derived with
// attributes and groups, as every component holds one.
func TestLogOutputSwitchesFormat(t *testing.T) {
	var buf bytes.Buffer
	out := newLogOutput(&buf, false, config.Log{Level: config.LevelInfo, Format: config.FormatText})
	derived := out.logger().With("component", "uplink").WithGroup("delivery")
	derived.Info("before", "name", "a")
	derived.Debug("hidden")
	if got := buf.String(); !strings.Contains(got, `level=INFO msg=before component=uplink delivery.name=a`) || strings.Contains(got, "hidden") {
		t.Fatalf("text: %q", got)
	}
	buf.Reset()

	out.apply(config.Log{Level: config.LevelDebug, Format: config.FormatJSON})
	derived.Info("after", "name", "b")
	derived.Debug("shown")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("json: %q", buf.String())
	}
	var rec struct {
		Msg       string            `json:"msg"`
		Component string            `json:"component"`
		Delivery  map[string]string `json:"delivery"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec.Msg != "after" || rec.Component != "uplink" || rec.Delivery["name"] != "b" {
		t.Errorf("json line %q: %+v %v", lines[0], rec, err)
	}
	if !strings.Contains(lines[1], `"msg":"shown"`) {
		t.Errorf("debug after the level change: %q", lines[1])
	}
}

// Format auto is text on a terminal and JSON elsewhere.
func TestLogOutputAuto(t *testing.T) {
	for _, tc := range []struct {
		terminal bool
		want     string
	}{{true, "level=INFO msg=x"}, {false, `"msg":"x"`}} {
		var buf bytes.Buffer
		newLogOutput(&buf, tc.terminal, config.Log{Level: config.LevelInfo, Format: config.FormatAuto}).logger().Log(t.Context(), slog.LevelInfo, "x")
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("terminal %v: %q, want %q", tc.terminal, buf.String(), tc.want)
		}
	}
}

// Durations read as 1s and 24h in both formats, not as nanoseconds, inside groups too.
func TestLogDurationsAreReadable(t *testing.T) {
	for _, format := range []config.LogFormat{config.FormatJSON, config.FormatText} {
		var buf bytes.Buffer
		out := newLogOutput(&buf, false, config.Log{Level: config.LevelInfo, Format: format})
		out.logger().WithGroup("stream").Info("created", "retention", 24*time.Hour, "interval", time.Second,
			"linger", 1500*time.Millisecond, "span", 90*time.Minute)
		got := buf.String()
		for _, want := range []string{"24h", "1s", "1.5s", "1h30m"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q lacks %s", format, got, want)
			}
		}
		if strings.Contains(got, "86400000000000") || strings.Contains(got, "24h0m0s") {
			t.Errorf("%s: %q", format, got)
		}
	}
}
