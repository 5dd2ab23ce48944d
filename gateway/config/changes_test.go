package config

import (
	"slices"
	"testing"
)

func TestChanges(t *testing.T) {
	base := "log: {level: info}\nauth:\n  access_keys:\n    - {id: A, secret: a}\n    - {id: B, secret: b}\nstreams:\n  - {name: sensors, shards: 2}\n  - {name: old}\n"
	tests := []struct {
		name                string
		after               string
		environ             []string
		reloadable, restart []string
	}{
		{"nothing", base, nil, nil, nil},
		{"streams added, changed and removed",
			"log: {level: info}\nauth:\n  access_keys:\n    - {id: A, secret: a}\n    - {id: B, secret: b}\nstreams:\n  - {name: sensors, shards: 4, retention: 7d, max_bytes: 1GiB, on_full: reject_new, max_record_size: 2MiB, throttle: aws}\n  - {name: new}\n",
			nil,
			[]string{
				"streams: sensors changed: shards 2 → 4, retention 1d → 7d, max_bytes 0B → 1GiB, on_full overwrite_oldest → reject_new, max_record_size 1MiB → 2MiB, throttle none → aws",
				"streams: new added",
				"streams: old removed from the file (the stream and its data are kept)",
			}, nil},
		{"log and keys",
			"log: {level: debug, format: json}\nauth:\n  access_keys:\n    - {id: A, secret: a2}\n    - {id: C, secret: c}\nstreams:\n  - {name: sensors, shards: 2}\n  - {name: old}\n",
			nil,
			[]string{
				"log.level: info → debug",
				"log.format: auto → json",
				"auth.access_keys: A secret changed",
				"auth.access_keys: C added",
				"auth.access_keys: B removed",
			}, nil},
		{"restart", base,
			[]string{"TIDEGATE_DATA_DIR=/srv", "TIDEGATE_LISTEN_HTTP=127.0.0.1:9", "TIDEGATE_KINESIS_REGION=eu-west-1", "TIDEGATE_KINESIS_ACCOUNT_ID=111122223333"},
			nil,
			[]string{
				"data_dir: ./data → /srv",
				"listen.http: 127.0.0.1:8080 → 127.0.0.1:9",
				"kinesis.region: us-east-1 → eu-west-1",
				"kinesis.account_id: 000000000000 → 111122223333",
			}},
	}
	before, err := Parse("before.yaml", []byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, err := Parse("after.yaml", []byte(tt.after), tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			reloadable, restart := Changes(before, after)
			if !slices.Equal(reloadable, tt.reloadable) {
				t.Errorf("reloadable:\n%q\nwant:\n%q", reloadable, tt.reloadable)
			}
			if !slices.Equal(restart, tt.restart) {
				t.Errorf("restart:\n%q\nwant:\n%q", restart, tt.restart)
			}
		})
	}
}

func TestChangesTLS(t *testing.T) {
	a, b := Default(), Default()
	b.Listen.TLS = &TLS{CertFile: "c.pem", KeyFile: "k.pem"}
	reloadable, restart := Changes(a, b)
	want := []string{"listen.tls: off → cert_file c.pem, key_file k.pem"}
	if reloadable != nil || !slices.Equal(restart, want) {
		t.Errorf("got %q, %q; want nil, %q", reloadable, restart, want)
	}
}

// Deliveries and sensors are reported by name, with the keys that changed
// (never their values: destinations hold secrets).
func TestChangesDeliveriesAndSensors(t *testing.T) {
	beforeYAML := []byte(`
deliveries:
  - {name: same, from: s, to: {type: file, dir: /a}}
  - {name: moved, from: s, to: {type: http, url: "https://a.example", access_key: old}, buffer: {interval: 1s}}
  - {name: gone, from: s, to: {type: file, dir: /g}}
sensors:
  - {name: air, type: bme280, bus: sim, stream: s, interval: 1s}
  - {name: door, type: gpio, pin: GPIO4, stream: s, interval: 1s}
`)
	before, err := Parse("before.yaml", beforeYAML, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Parse("after.yaml", []byte(`
deliveries:
  - {name: same, from: s, to: {type: file, dir: /a}}
  - {name: moved, from: s, to: {type: http, url: "https://a.example", access_key: new}, buffer: {interval: 2s}}
  - {name: new, from: s, to: {type: file, dir: /n}}
sensors:
  - {name: air, type: bme280, bus: sim, stream: s, interval: 1s, address: 0x77}
  - {name: rain, type: gpio, pin: GPIO5, stream: s, interval: 1m}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	reloadable, restart := Changes(before, after)
	wantReload := []string{"deliveries: moved changed: to, buffer", "deliveries: new added", "deliveries: gone removed"}
	wantRestart := []string{"sensors: air changed: address", "sensors: rain added", "sensors: door removed"}
	if !slices.Equal(reloadable, wantReload) || !slices.Equal(restart, wantRestart) {
		t.Errorf("got\n%q\n%q\nwant\n%q\n%q", reloadable, restart, wantReload, wantRestart)
	}
	again, err := Parse("before.yaml", beforeYAML, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, s := Changes(before, again); r != nil || s != nil {
		t.Errorf("the same file read twice: %q, %q", r, s)
	}
}
