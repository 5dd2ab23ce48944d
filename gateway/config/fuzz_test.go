package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: no input panics the loader, every problem is located in the file, and what
// Parse accepts, Validate accepts.
func FuzzParse(f *testing.F) {
	if sample, err := os.ReadFile("../../tidegate.example.yaml"); err == nil {
		f.Add(sample)
	}
	for _, s := range []string{
		"",
		"streams:\n  - name: a\n    shardz: 2\n",
		"streams:\n  - {name: a, shards: 2.5, retention: 7d, max_bytes: 2GiB}\n",
		"streams:\n  - &s {name: a}\n  - *s\n  - <<: *s\n    name: b\n",
		"log: !!map {level: !!str debug}\n",
		"data_dir: x\ndata_dir: y\n",
		"a: 1\n---\nb: 2\n",
		"streams:\n  -\n  - ~\n",
		"auth:\n  access_keys:\n    - {id: A, secret: |\n        multi\n        line\n      }\n",
		"listen: {http: '[::1]:0', tls: {cert_file: /dev/null, key_file: /dev/null}}\n",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
		"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n",
		"streams: [{name: a, max_record_size: 99999999999999999999}]\n",
		// type:-switched sections: a destination, a transform, a decoder, a sensor.
		"deliveries:\n  - name: d\n    from: s\n    to: {type: file, path: /x}\n",
		"deliveries:\n  - {name: d, from: s, to: {type: kafka, brokers: [k], topic: t, sasl: {user: u}}, transform: {type: command, url: x}}\n",
		"deliveries:\n  - {name: d, from: s, to: !!map {type: !!str s3, bucket: b}}\n",
		"deliveries:\n  - {name: d, from: s, to: [file]}\n",
		"mqtt:\n  subscriptions:\n    - {topic: a/+, stream: s, decoder: {type: json, fields: {t: a.t}, tim_field: ts}}\n",
		"sensors:\n  - {name: a, type: ads1115, stream: s, interval: 1s, channels: [{name: p, input: '0', gian: 1}]}\n",
		"sensors:\n  - {name: a, type: {bme280: x}, stream: s, interval: 1s}\n",
		"auth:\n  tokens:\n    - {name: a, secret: \"tok\\x00-0123456789abcdef\"}\n    - {name: a}\nmetrics: {public: yes}\n",
		// cameras: the source picks the type; rtsp: the listener.
		"cameras:\n  - {name: door, source: \"rtsp://u:p@cam:554/s\", transport: tcp, username: u, password: p, fragment: 2s}\n  - {name: yard, source: publisher, transprt: udp}\nrtsp: {listen: \"0.0.0.0:8554\", rtp_address: \"127.0.0.1:8001\", publish_new_paths: false}\n",
		"cameras:\n  - {name: ../x, source: [publisher], max_bytes: 1KiB}\n  - {source: \"rtsp://[::1\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data, nil)
		if err != nil {
			if strings.Contains(err.Error(), decoderFailure) {
				t.Fatalf("the decoder panicked: %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml") {
					t.Fatalf("problem not located in the file, or not on one line: %q\nin:\n%s", line, err)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
	})
}
