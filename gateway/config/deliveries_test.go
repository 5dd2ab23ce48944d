package config

import (
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink/endpoint"
	"github.com/tidegate/tidegate/uplink/file"
	"github.com/tidegate/tidegate/uplink/s3"
	"github.com/tidegate/tidegate/uplink/transform"
)

func TestDeliveriesParse(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`
deliveries:
  - name: to-disk
    from: sensors
    to: { type: file, dir: /tmp/out }
    buffer: { size: 2MiB, interval: 500ms }
    compression: zstd
    format: json
  - name: to-s3
    from: [a, b]
    start: at_timestamp
    start_time: 2026-11-28T07:00:00Z
    to:
      type: s3
      bucket: my-bucket
      endpoint: http://127.0.0.1:9000
      compression: gzip
    compression: snappy
    priority: 5
    bandwidth: 1MiB
    retry: { duration: 1h }
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	d0, err := c.Deliveries[0].Spec()
	if err != nil {
		t.Fatal(err)
	}
	if d0.BufferSize != 2<<20 || d0.BufferInterval != 500*time.Millisecond || d0.DestinationType != "file" || d0.Format != "json" {
		t.Errorf("spec %+v", d0)
	}
	if fc := d0.Destination.(*file.Config); fc.Dir != "/tmp/out" || fc.Compression != "zstd" {
		t.Errorf("file config %+v: want the delivery's compression", fc)
	}
	d1, err := c.Deliveries[1].Spec()
	if err != nil {
		t.Fatal(err)
	}
	if len(d1.From) != 2 || d1.Priority != 5 || d1.Bandwidth != 1<<20 || d1.RetryDuration != time.Hour || d1.StartTime.IsZero() {
		t.Errorf("spec %+v", d1)
	}
	if sc := d1.Destination.(*s3.Config); sc.Compression != "gzip" || sc.Bucket != "my-bucket" {
		t.Errorf("s3 config %+v: the destination's own compression wins", sc)
	}
}

func TestDeliveriesErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"another type's key": {"deliveries:\n  - name: d\n    from: s\n    to: { type: file, dir: x, bucket: b }\n", `t.yaml:4:`},
		"unknown type":       {"deliveries:\n  - name: d\n    from: s\n    to: { type: ftp }\n", `"ftp" is not one of`},
		"no destination":     {"deliveries:\n  - name: d\n    from: s\n", "to: needs a type"},
		"buffer too big":     {"deliveries:\n  - name: d\n    from: s\n    to: { type: file, dir: x }\n    buffer: { size: 1GiB }\n", "buffer.size"},
		"duplicate":          {"deliveries:\n  - { name: d, from: s, to: { type: file, dir: x } }\n  - { name: d, from: s, to: { type: file, dir: x } }\n", "duplicate delivery"},
		"destination check":  {"deliveries:\n  - { name: d, from: s, to: { type: s3 } }\n", "deliveries[0].to"},
		"bad start time":     {"deliveries:\n  - { name: d, from: s, start: at_timestamp, start_time: yesterday, to: { type: file, dir: x } }\n", "start_time"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseDelivery(t *testing.T) {
	for name, body := range map[string]string{
		"json": `{"name": "d", "from": "s", "to": {"type": "file", "dir": "/x"}, "buffer": {"interval": "1s"}}`,
		"yaml": "name: d\nfrom: s\nto:\n  type: file\n  dir: /x\nbuffer: { interval: 1s }\n",
	} {
		d, err := ParseDelivery("body", []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.Name != "d" || d.To.Type != "file" || d.Buffer.Interval != Duration(time.Second) {
			t.Errorf("%s: %+v", name, d)
		}
	}
	if _, err := ParseDelivery("body", []byte(`{"name": "d", "from": "s", "to": {"type": "file"}}`)); err == nil || !strings.Contains(err.Error(), "dir") {
		t.Errorf("missing dir: %v", err)
	}
}

func TestDeliveryHTTPAndTransform(t *testing.T) {
	d, err := ParseDelivery("body", []byte(`
name: d
from: s
to: { type: http, url: "https://hub.example/api/v1/firehose/s", access_key: k }
compression: gzip
transform: { type: command, command: [python3, t.py], timeout: 5s }
`))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Spec()
	if ec := s.Destination.(*endpoint.Config); ec.Compression != "gzip" || ec.AccessKey != "k" {
		t.Errorf("endpoint config %+v", ec)
	}
	if tc := s.Transform.(*transform.CommandConfig); s.TransformType != "command" || tc.Timeout != 5*time.Second || tc.Command[0] != "python3" {
		t.Errorf("transform %+v", tc)
	}
	if _, err := ParseDelivery("body", []byte("name: d\nfrom: s\nto: {type: http, url: \"http://x\"}\ncompression: zstd\n")); err == nil || !strings.Contains(err.Error(), "compression") {
		t.Errorf("zstd over http: %v", err)
	}
}
