package bench

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

var sampleUplink = UplinkResult{
	FileRecordsPerSec: 250000, HTTPRecordsPerSec: 110000, PeakRSSGrowthMB: 129.04,
	FileMBPerSec: 50, FilePeakRSSGrowthMB: 120.5, HTTPMBPerSec: 22, HTTPPeakRSSGrowthMB: 129.04,
	ReadRecordsPerSec: 7000000, DiskMBPerSec: 320, FileWrittenMBPerSec: 94.2,
	FileRatioToRead: 0.0357, HTTPRatioToRead: 0.0157, FileRatioToDisk: 0.294,
	FileDurationSec: 4, HTTPDurationSec: 9.1, FileObjects: 39, HTTPRequests: 153, HTTPWireBytes: 105_200_000,
	Records: 1_000_000, RecordSize: 200, Shards: 4, BufferSize: 5 << 20, BufferIntervalSec: 1, Format: "json",
}

func TestUplinkReport(t *testing.T) {
	skipped := sampleUplink
	skipped.RSSSkipped = "bench: current rss: unsupported operation"
	tests := []struct {
		name string
		in   UplinkResult
		want string
	}{
		{
			name: "linux",
			in:   sampleUplink,
			want: "tidegate bench uplink: backlog of 1000000 × 200-byte JSON sensor readings, 4 shards, format json, buffer 5 MiB / 1 s\n" +
				"  file                250000   records/s  4.0 s from creation to last checkpoint, 39 objects fsync'd\n" +
				"  file                50.0     MB/s       record data; 94.2 MB/s of JSON lines written\n" +
				"  file RSS growth     120.5    MB         peak − before the delivery (target < 64 MiB = 67.1 MB)\n" +
				"  http (gzip)         110000   records/s  9.1 s, 153 requests to an in-process receiver that decodes them\n" +
				"  http (gzip)         22.0     MB/s       record data; 105.2 MB on the wire\n" +
				"  http RSS growth     129.0    MB         as above, the receiver included\n" +
				"  baseline: read      7000000  records/s  shards Read of every shard, no delivery\n" +
				"  baseline: disk      320.0    MB/s       1 MiB writes + fdatasync, the bytes file wrote\n" +
				"  file ratio to read  0.04     ×\n" +
				"  http ratio to read  0.02     ×\n" +
				"  file ratio to disk  0.29     ×          bytes written per second\n",
		},
		{
			name: "no RSS on this system",
			in:   skipped,
			want: "  file RSS growth     -        MB         peak",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			title, rows := UplinkReport(tc.in)
			var buf bytes.Buffer
			if err := WriteTable(&buf, title, rows); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			if tc.in.RSSSkipped != "" {
				if !strings.Contains(got, tc.want) || !strings.Contains(got, "  RSS                 -                   "+tc.in.RSSSkipped+"\n") {
					t.Errorf("got:\n%s\nwant the RSS figures as - and the reason", got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}

// TestUplinkJSONShape pins what scripts read: the three keys first,
// as numbers, and no rss_skipped unless RSS was not measured.
func TestUplinkJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleUplink); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	wantPrefix := "{\n  \"file_records_per_s\": 250000,\n  \"http_records_per_s\": 110000,\n  \"peak_rss_growth_mb\": 129.04,\n"
	if !strings.HasPrefix(out, wantPrefix) {
		t.Errorf("does not start with the issue's keys:\n%s", out)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"file_records_per_s", "http_records_per_s", "peak_rss_growth_mb", "read_records_per_s", "disk_mb_per_s"} {
		if _, ok := m[k].(float64); !ok {
			t.Errorf("%s = %v, want a number", k, m[k])
		}
	}
	if m["format"] != "json" {
		t.Errorf("format = %v, want json", m["format"])
	}
	if _, ok := m["rss_skipped"]; ok {
		t.Error("rss_skipped present though RSS was measured")
	}
}

func TestSensorReading(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		size      int
		wantValid bool
	}{
		{1, false},
		{2, true},
		{40, true},
		{200, true},
		{1000, true},
	}
	for _, tc := range tests {
		for seq := range 50 {
			b := sensorReading(rng, seq, tc.size)
			if len(b) != tc.size {
				t.Fatalf("size %d: got %d bytes: %s", tc.size, len(b), b)
			}
			if json.Valid(b) != tc.wantValid {
				t.Fatalf("size %d: valid JSON = %v, want %v: %s", tc.size, !tc.wantValid, tc.wantValid, b)
			}
		}
	}
}

func TestUplinkRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []UplinkOptions{
		{Dir: dir, Records: 0, RecordSize: 200, Shards: 4, BufferSize: 5 << 20},
		{Dir: dir, Records: 10, RecordSize: 0, Shards: 4, BufferSize: 5 << 20},
		{Dir: dir, Records: 10, RecordSize: 200, Shards: 4, BufferSize: 1 << 10},
	} {
		if _, err := Uplink(t.Context(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	assertEmpty(t, dir)
}

// TestUplinkSmoke runs the whole benchmark on a small backlog: every
// record reaches both destinations, every figure is filled in, nothing is
// left behind. It checks no rate: benchmarks are never timed tests.
func TestUplinkSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("drains 20,000 records twice")
	}
	dir := t.TempDir()
	o := DefaultUplinkOptions()
	o.Dir, o.Records = dir, 20000
	r, err := Uplink(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.HTTPRecordsReceived != 20000 || r.Records != 20000 {
		t.Errorf("received %d of %d records over http", r.HTTPRecordsReceived, r.Records)
	}
	if r.FileBytesWritten < 20000*200 || r.HTTPBytesDecoded != r.FileBytesWritten {
		t.Errorf("file wrote %d bytes, http carried %d: want the same JSON lines, longer than the data", r.FileBytesWritten, r.HTTPBytesDecoded)
	}
	for name, v := range map[string]float64{
		"file rate": r.FileRecordsPerSec, "http rate": r.HTTPRecordsPerSec, "read rate": r.ReadRecordsPerSec,
		"disk": r.DiskMBPerSec, "file ratio to read": r.FileRatioToRead, "file ratio to disk": r.FileRatioToDisk,
	} {
		if v <= 0 {
			t.Errorf("%s = %v, want positive", name, v)
		}
	}
	if r.RSSSkipped == "" && r.PeakRSSGrowthMB != max(r.FilePeakRSSGrowthMB, r.HTTPPeakRSSGrowthMB) {
		t.Errorf("peak growth %v is not the larger of %v and %v", r.PeakRSSGrowthMB, r.FilePeakRSSGrowthMB, r.HTTPPeakRSSGrowthMB)
	}
	assertEmpty(t, dir)
}
