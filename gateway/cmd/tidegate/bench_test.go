package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
)

// benchSmoke is one benchmark run small: the flags that keep it to a second or two, the
// table lines and the JSON figures it must print.
type benchSmoke struct {
	args []string
	// lines start a table line each (after the two-space indent).
	lines []string
	// positive are JSON fields (dotted into nested objects) that must be numbers above 0;
	// zero those that must be exactly 0.
	positive, zero []string
	// check looks at the rest of the JSON document.
	check func(t *testing.T, doc map[string]any)
}

var benchSmokes = map[string]benchSmoke{
	"shards": {
		args:     []string{"--writers", "2", "--batch", "50", "--duration", "300ms", "--readers", "2", "--baseline-bytes", "1000000"},
		lines:    []string{"write ", "ack p99 ", "write with readers ", "ack p99 with readers ", "tail ", "read ", "baseline: disk ", "baseline: bbolt ", "ratio to disk "},
		positive: []string{"write_records_per_s", "ack_p99_ms", "ack_p99_ms_with_readers", "write_records_per_s_with_readers", "tail_records_per_s", "read_records_per_s", "disk_mb_per_s", "bbolt_records_per_s", "records_written"},
		check: func(t *testing.T, doc map[string]any) {
			if doc["records_read"] != doc["records_written"] || doc["readers"] != 2.0 {
				t.Errorf("read %v of %v records, %v readers", doc["records_read"], doc["records_written"], doc["readers"])
			}
		},
	},
	"uplink": {
		args:     []string{"--records", "2000", "--shards", "2"},
		lines:    []string{"file ", "http (gzip) ", "baseline: read ", "baseline: disk ", "file ratio to read "},
		positive: []string{"file_records_per_s", "http_records_per_s", "read_records_per_s", "disk_mb_per_s", "file_bytes_written"},
		check: func(t *testing.T, doc map[string]any) {
			if doc["http_records_received"] != 2000.0 {
				t.Errorf("the receiver got %v records of 2000", doc["http_records_received"])
			}
		},
	},
	"sql": {
		args:  []string{"--records", "3000", "--devices", "100", "--queries", "10", "--multi-records", "500", "--emit-duration", "1500ms", "--ingest-rate", "5000", "--ingest-alone", "300ms"},
		lines: []string{"baseline: shards read ", "filter/projection ", "GROUP BY device, TUMBLE(1 min) ", "10 queries on one stream ", "memory per stateless query ", "emit delay p99 ", "ingest during an ad-hoc query "},
		positive: []string{"baseline_read_rows_per_s", "filter_rows_per_s", "groupby_events_per_s", "multi_query_evaluations_per_s",
			"bytes_per_stateless_query", "emit_p99_ms", "ingest_ratio_during_query", "ingest_ratio_alone", "emit_windows"},
	},
	"api": {
		args:     []string{"--clients", "2", "--batch", "50", "--duration", "300ms", "--shards", "2"},
		lines:    []string{"put ", "put p99 ", "get "},
		positive: []string{"put_records_per_s", "get_records_per_s", "put_p99_ms", "records_put"},
	},
	"video": {
		args:     []string{"--cameras", "2", "--duration", "3s"}, // and --firmware-sim, built for the test; 3 s holds a fragment
		lines:    []string{"cpu per camera ", "write amplification ", "dropped frames ", "rss ", "publish → durable ", "per camera "},
		positive: []string{"cameras", "cpu_per_camera_pct", "write_amplification", "rss_mb", "camera_mbit_s", "frames_received"},
		zero:     []string{"dropped_frames"},
	},
	"mqtt": {
		args:     []string{"--devices", "4", "--window", "4", "--duration", "300ms"},
		lines:    []string{"embedded broker ", "embedded broker p99 ", "embedded broker published ", "embedded broker stored ", "embedded broker lost "},
		positive: []string{"embedded.messages_per_s", "embedded.p99_ms", "embedded.published", "embedded.stored", "embedded.s"},
		zero:     []string{"embedded.lost"},
		check: func(t *testing.T, doc map[string]any) {
			embedded := doc["embedded"].(map[string]any)
			if embedded["published"] != embedded["stored"] {
				t.Errorf("embedded: published %v, stored %v", embedded["published"], embedded["stored"])
			}
			if skip, ok := doc["mosquitto_skipped"]; ok {
				if os.Getenv("CI") == "true" {
					t.Errorf("the run through Mosquitto was skipped under CI=true: %v", skip)
				}
				t.Logf("through Mosquitto: skipped (%v)", skip)
				return
			}
			for _, k := range []string{"messages_per_s", "p99_ms", "published", "stored", "s"} {
				if v, _ := field(doc, "mosquitto."+k).(float64); v <= 0 {
					t.Errorf("mosquitto.%s = %v, want a positive number", k, v)
				}
			}
			if lost := field(doc, "mosquitto.lost"); lost != 0.0 {
				t.Errorf("mosquitto.lost = %v, want 0", lost)
			}
		},
	},
}

// Every benchmark runs, small, as a user would run it: from a working directory it must
// leave empty (its default --dir is ./data, or the temporary directory), printing its
// table lines, then its JSON figures. No timing is checked: a smoke test, not a benchmark.
func TestBenchSmoke(t *testing.T) {
	for _, name := range benchNames() {
		smoke, ok := benchSmokes[name]
		if !ok {
			t.Errorf("bench %s has no smoke test", name)
			continue
		}
		for _, mode := range []string{"table", "json"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				cwd, tmp := t.TempDir(), t.TempDir()
				args := append([]string{"bench", name}, smoke.args...)
				if name == "video" {
					args = append(args, "--firmware-sim", peer.FirmwareSim(t))
				}
				if mode == "json" {
					args = append(args, "--json")
				}
				var stdout, stderr bytes.Buffer
				cmd := tidegate(t, args...)
				cmd.Dir, cmd.Stdout, cmd.Stderr = cwd, &stdout, &stderr
				cmd.Env = append(cmd.Env, "TMPDIR="+tmp, "TIDEGATE_DATA_DIR=")
				if err := cmd.Run(); err != nil {
					t.Fatalf("%v: %v\nstdout: %s\nstderr: %s", args, err, &stdout, &stderr)
				}
				for _, dir := range []string{cwd, tmp} {
					left, _ := os.ReadDir(dir)
					for _, e := range left {
						t.Errorf("left behind in %s: %s", dir, e.Name())
					}
				}
				if mode == "table" {
					checkBenchTable(t, stdout.String(), name, smoke.lines)
					return
				}
				var doc map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
					t.Fatalf("not one JSON document: %v\n%s", err, &stdout)
				}
				for _, k := range smoke.positive {
					if v, _ := field(doc, k).(float64); v <= 0 {
						t.Errorf("%s = %v, want a positive number", k, field(doc, k))
					}
				}
				for _, k := range smoke.zero {
					if v := field(doc, k); v != 0.0 {
						t.Errorf("%s = %v, want 0", k, v)
					}
				}
				if smoke.check != nil {
					smoke.check(t, doc)
				}
			})
		}
	}
}

func checkBenchTable(t *testing.T, out, name string, lines []string) {
	t.Helper()
	if !strings.HasPrefix(out, "tidegate bench "+name+": ") {
		t.Errorf("no title:\n%s", out)
	}
	for _, l := range lines {
		if !strings.Contains(out, "\n  "+l) {
			t.Errorf("no line %q in:\n%s", l, out)
		}
	}
}

// field looks up a dotted path in a decoded JSON document.
func field(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
