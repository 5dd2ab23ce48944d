package transform

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

func testRecords(datas ...string) []uplink.TransformRecord {
	recs := make([]uplink.TransformRecord, len(datas))
	for i, d := range datas {
		recs[i] = uplink.TransformRecord{
			RecordID: fmt.Sprintf("rec-%03d", i), Data: []byte(d), Stream: "sensors",
			ShardID: fmt.Sprintf("shardId-%012d", i%2), Sequence: fmt.Sprintf("4960%052d", i),
			PartitionKey: fmt.Sprintf("dev-%d", i%3), Arrival: time.UnixMilli(1767225600000 + int64(i)),
		}
	}
	return recs
}

// checkUpper checks results against what upperAnswer does.
func checkUpper(t *testing.T, recs []uplink.TransformRecord, res []uplink.TransformResult) {
	t.Helper()
	if len(res) != len(recs) {
		t.Fatalf("%d results for %d records", len(res), len(recs))
	}
	for i, r := range res {
		data := string(recs[i].Data)
		want := uplink.TransformResult{RecordID: recs[i].RecordID, Result: uplink.ResultOk, Data: []byte(strings.ToUpper(data))}
		switch {
		case strings.Contains(data, "drop"):
			want = uplink.TransformResult{RecordID: recs[i].RecordID, Result: uplink.ResultDropped}
		case strings.Contains(data, "fail"):
			want = uplink.TransformResult{RecordID: recs[i].RecordID, Result: uplink.ResultProcessingFailed}
		}
		if r.RecordID != want.RecordID || r.Result != want.Result || (want.Result == uplink.ResultOk && string(r.Data) != string(want.Data)) {
			t.Fatalf("result %d = {%s %s %q}, want {%s %s %q}", i, r.RecordID, r.Result, r.Data, want.RecordID, want.Result, want.Data)
		}
	}
}

// logRecorder is a slog handler that keeps the messages and attributes it
// is given.
type logRecorder struct {
	mu    *sync.Mutex
	lines *[]string
	attrs string
}

func newLogRecorder() (*slog.Logger, *logRecorder) {
	r := &logRecorder{mu: new(sync.Mutex), lines: new([]string)}
	return slog.New(r), r
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Level.String() + " " + rec.Message + r.attrs)
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	r.mu.Lock()
	*r.lines = append(*r.lines, b.String())
	r.mu.Unlock()
	return nil
}

func (r *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *r
	for _, a := range as {
		c.attrs += fmt.Sprintf(" %s=%v", a.Key, a.Value)
	}
	return &c
}

func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// find returns the lines holding every one of parts.
func (r *logRecorder) find(parts ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
next:
	for _, l := range *r.lines {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// eventually waits up to 20 s for cond (slow under qemu).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
