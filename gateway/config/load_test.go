package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// TestParseErrors pins every kind of error to its exact message and position.
func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "tls.crt")
	if err := os.WriteFile(cert, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml string
		want string // every line of the error, joined by newlines
	}{
		// Decoding: the first problem, at its line and column.
		{"unknown field in a stream", "streams:\n  - name: a\n    shardz: 2\n",
			`t.yaml:3:5: unknown field "shardz" in streams[0]`},
		{"several unknown fields: the first in the file", "streams:\n  - name: a\n    shards: 1\n    shardz: 2\n    retension: 1d\n    max_byte: 1GiB\n",
			`t.yaml:4:5: unknown field "shardz" in streams[0]`},
		{"unknown fields in a list of lists", "streams:\n  - [{name: a}]\n",
			`t.yaml:2:5: streams[0]: expected a mapping, got a list`},
		{"unknown field in an access key", "auth:\n  access_keys:\n    - id: A\n      secrte: x\n",
			`t.yaml:4:7: unknown field "secrte" in auth.access_keys[0]`},
		{"unknown field under tls", "listen:\n  tls:\n    cert: a.pem\n    cert_file: a.pem\n",
			`t.yaml:3:5: unknown field "cert" in listen.tls`},
		{"unknown top-level field", "data_dir: x\nvideo:\n  camera: on\n",
			`t.yaml:2:1: unknown field "video"`},
		{"unknown field with an empty value", "log:\n  levle:\n",
			`t.yaml:2:3: unknown field "levle" in log`},
		{"unknown field in a flow mapping", "log: {level: debug, lvl: x}\n",
			`t.yaml:1:21: unknown field "lvl" in log`},
		{"duplicate key", "data_dir: x\ndata_dir: y\n",
			`t.yaml:2:1: mapping key "data_dir" already defined at [1:1]`},
		{"syntax error", "data_dir: [\n",
			`t.yaml:1:11: sequence end token ']' not found`},
		{"string for a number", "streams:\n  - name: a\n    shards: two\n",
			`t.yaml:3:13: streams[0].shards: expected a whole number, got "two"`},
		{"fraction for a number", "streams:\n  - name: a\n    shards: 2.5\n",
			`t.yaml:3:13: streams[0].shards: expected a whole number, got "2.5"`},
		{"list for a string", "streams:\n  - name: [a]\n",
			`t.yaml:2:11: streams[0].name: expected a string, got a list`},
		{"list for a mapping", "log: [debug]\n",
			`t.yaml:1:6: log: expected a mapping, got a list`},
		{"scalar for a list", "streams: sensors\n",
			`t.yaml:1:10: streams: expected a list, got "sensors"`},
		{"document not a mapping", "- data_dir\n",
			`t.yaml:1:1: top level: expected a mapping, got a list`},
		{"mapping for a secret", "auth:\n  access_keys:\n    - id: A\n      secret: {value: x}\n",
			`t.yaml:4:15: auth.access_keys[0].secret: expected a string, got a mapping`},
		{"second document", "data_dir: x\n---\ndata_dir: y\n",
			`t.yaml:3:9: a configuration file holds one YAML document; remove the second`},
		{"bad duration", "streams:\n  - name: a\n    retention: 7x\n",
			`t.yaml:3:16: streams[0].retention: invalid duration "7x": use a number and a unit (s, m, h, d), as in 30s, 90m, 24h or 7d`},
		{"duration without unit", "streams:\n  - name: a\n    retention: 3600\n",
			`t.yaml:3:16: streams[0].retention: invalid duration "3600": use a number and a unit (s, m, h, d), as in 30s, 90m, 24h or 7d`},
		{"bad size unit", "streams:\n  - name: a\n    max_bytes: 2Gb\n",
			`t.yaml:3:16: streams[0].max_bytes: invalid size "2Gb": unknown unit "Gb" (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`},
		{"fractional size", "streams:\n  - name: a\n    max_record_size: 1.5MiB\n",
			`t.yaml:3:22: streams[0].max_record_size: invalid size "1.5MiB": use a whole number of a smaller unit, as in 1536MiB for 1.5GiB`},
		{"list for a size", "streams:\n  - name: a\n    max_bytes: [1]\n",
			`t.yaml:3:16: streams[0].max_bytes: expected a size such as 512KiB, 64MiB or 2GiB, got a list`},

		{"custom tag", "data_dir: !path ./data\n",
			`t.yaml:1:11: data_dir: tag !path is not supported: settings take plain YAML values`},
		// go-yaml places a tagged scalar one column early.
		{"tagged scalar for a list (goccy/go-yaml#735 panicked)", "streams: !!str sensors\n",
			`t.yaml:1:15: streams: expected a list, got "sensors"`},
		{"tagged scalar for a mapping", "log: !!int 5\n",
			`t.yaml:1:11: log: expected a mapping, got "5"`},

		// Validation: every problem, down the file.
		{"bad enums", "log:\n  level: verbose\n  format: xml\nstreams:\n  - name: a\n    on_full: drop\n    throttle: kinesis\n",
			`t.yaml:2:10: log.level: "verbose" is not one of debug, info, warn, error` + "\n" +
				`t.yaml:3:11: log.format: "xml" is not one of auto, text, json` + "\n" +
				`t.yaml:6:14: streams[0].on_full: "drop" is not one of overwrite_oldest, reject_new` + "\n" +
				`t.yaml:7:15: streams[0].throttle: "kinesis" is not one of none, aws`},
		{"stream limits", "streams:\n  - name: a\n    retention: 30s\n  - name: b\n    retention: 366d\n    shards: 0\n  - name: c\n    shards: 1025\n    max_bytes: 512KiB\n    max_record_size: 512B\n  - name: d\n    max_record_size: 11MiB\n",
			`t.yaml:3:16: streams[0].retention: 30s is below the minimum 1m` + "\n" +
				`t.yaml:5:16: streams[1].retention: 366d is above the maximum 365d` + "\n" +
				`t.yaml:6:13: streams[1].shards: 0 is outside 1..1024` + "\n" +
				`t.yaml:8:13: streams[2].shards: 1025 is outside 1..1024` + "\n" +
				`t.yaml:9:16: streams[2].max_bytes: 512KiB is below the minimum 1MiB (0 or no max_bytes means no limit)` + "\n" +
				`t.yaml:10:22: streams[2].max_record_size: 512B is below the minimum 1KiB` + "\n" +
				`t.yaml:12:22: streams[3].max_record_size: 11MiB is above the maximum 10MiB`},
		{"stream names", "streams:\n  - name: sensors\n  - name: video\n  - name: sensors\n  - name: a/b\n  - shards: 2\n",
			`t.yaml:4:11: streams[2].name: duplicate stream "sensors": streams[0] already has that name` + "\n" +
				`t.yaml:5:11: streams[3].name: "a/b" must be 1-128 characters of a-z, A-Z, 0-9 and _ . -, and not . or ..` + "\n" +
				`t.yaml:6:3: streams[4].name: must not be empty`},
		{"keep_until_delivered", "streams:\n  - name: a\n    keep_until_delivered: [all, to-s3]\n  - name: b\n    keep_until_delivered:\n      - to-s3\n      - a/b\n      - other\n" +
			"deliveries:\n  - name: to-s3\n    from: a\n    to: {type: file, dir: /tmp/x}\n",
			`t.yaml:3:5: streams[0].keep_until_delivered: all stands alone, not in a list with 1 other entries` + "\n" +
				`t.yaml:6:7: streams[1].keep_until_delivered[0]: delivery "to-s3" does not read stream "b" (its from: a)` + "\n" +
				`t.yaml:7:7: streams[1].keep_until_delivered[1]: "a/b" is not a delivery name (1-64 characters of a-z, A-Z, 0-9 and _ . -)`},
		{"empty stream entry", "streams:\n  -\n",
			`t.yaml:2:3: streams[0].name: must not be empty`},
		{"listen not host:port", "listen:\n  http: 8080\n",
			`t.yaml:2:9: listen.http: "8080" is not host:port, as in 127.0.0.1:8080`},
		{"listen bad port", "listen:\n  http: 127.0.0.1:http\n",
			`t.yaml:2:9: listen.http: port "http" in "127.0.0.1:http" is not a number 0-65535`},
		{"listen not loopback", "listen:\n  http: 0.0.0.0:8080\n",
			`t.yaml:2:9: listen.http: 0.0.0.0:8080 is not loopback: a listener other clients can reach must authenticate them: configure auth.access_keys or auth.tokens`},
		{"listen on every interface", "listen:\n  http: :8080\n",
			`t.yaml:2:9: listen.http: :8080 (every interface) is not loopback: a listener other clients can reach must authenticate them: configure auth.access_keys or auth.tokens`},
		{"listen on a host name", "listen:\n  http: gateway.local:8080\n",
			`t.yaml:2:9: listen.http: gateway.local:8080 is not loopback: a listener other clients can reach must authenticate them: configure auth.access_keys or auth.tokens`},
		{"tls files", "listen:\n  tls:\n    cert_file: " + cert + "\n    key_file: " + dir + "/missing.key\n",
			`t.yaml:4:15: listen.tls.key_file: ` + dir + `/missing.key: no such file or directory`},
		{"tls half", "listen:\n  tls:\n    cert_file: " + dir + "\n",
			`t.yaml:2:3: listen.tls.key_file: missing: TLS needs both cert_file and key_file` + "\n" +
				`t.yaml:3:16: listen.tls.cert_file: ` + dir + ` is a directory`},
		{"access keys", "auth:\n  access_keys:\n    - id: A\n      secret: x\n    - id: A\n      secret: y\n    - secret: z\n    - id: a/b\n      secret: z\n    - id: B\n",
			`t.yaml:5:11: auth.access_keys[1].id: "A" is already used by auth.access_keys[0]` + "\n" +
				`t.yaml:7:5: auth.access_keys[2].id: must not be empty` + "\n" +
				`t.yaml:8:11: auth.access_keys[3].id: "a/b" must be 1-128 characters of A-Z, a-z, 0-9 and _ . + = @ -` + "\n" +
				`t.yaml:10:5: auth.access_keys[4]: no secret: set one of secret, secret_file or secret_env`},
		{"kinesis", "kinesis:\n  region: US East\n  account_id: 000000000000\n",
			`t.yaml:2:11: kinesis.region: "US East" may only hold a-z, 0-9 and -, as in us-east-1` + "\n" +
				`t.yaml:3:15: kinesis.account_id: "0" must be 12 digits (quote it in YAML, as in "000000000000", to keep leading zeros)`},
		{"empty values keep defaults, explicit empty strings do not", "data_dir: ''\nkinesis:\n  region: ''\n",
			"t.yaml:1:11: data_dir: must not be empty\n" +
				"t.yaml:3:11: kinesis.region: must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.yaml), nil)
			if err == nil {
				t.Fatalf("no error, want:\n%s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Errorf("%T is not a *config.Error", err)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("t.yaml", []byte("streams:\n  - name: a\n    retention: 30s\n"), nil)
	e, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("%v is not a *config.Error", err)
	}
	want := Error{File: "t.yaml", Line: 3, Column: 16, Path: "streams[0].retention", Msg: "streams[0].retention: 30s is below the minimum 1m"}
	if *e != want {
		t.Errorf("got %+v, want %+v", *e, want)
	}
}

func TestParseValues(t *testing.T) {
	src := `
data_dir: /var/lib/tidegate
log: {level: debug, format: json}
listen:
  http: "[::1]:9000"
kinesis:
  region: eu-west-1
  account_id: "123456789012"
streams:
  - name: sensors
    shards: 4
    retention: 7d
    max_bytes: 2GiB
    on_full: reject_new
    max_record_size: 256KiB
    throttle: aws
  - name: defaults
    retention:
`
	c, err := Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/tidegate" || c.Log != (Log{LevelDebug, FormatJSON}) || c.Listen.HTTP != "[::1]:9000" ||
		c.Kinesis != (Kinesis{"eu-west-1", "123456789012"}) {
		t.Errorf("got %+v", c)
	}
	want := []StreamSpec{
		{Name: "sensors", Shards: 4, Retention: Duration(7 * 24 * time.Hour), MaxBytes: 2 * GiB, OnFull: shards.RejectNew, MaxRecordSize: 256 * KiB, Throttle: ThrottleAWS, KeepUntilDelivered: StringList{KeepAll}},
		{Name: "defaults", Shards: 1, Retention: Duration(24 * time.Hour), OnFull: shards.OverwriteOldest, MaxRecordSize: MiB, Throttle: ThrottleNone, KeepUntilDelivered: StringList{KeepAll}},
	}
	if len(c.Streams) != len(want) {
		t.Fatalf("streams %+v, want %+v", c.Streams, want)
	}
	for i := range want {
		if !reflect.DeepEqual(c.Streams[i], want[i]) {
			t.Errorf("streams[%d] = %+v, want %+v", i, c.Streams[i], want[i])
		}
	}
}

func TestStandardTags(t *testing.T) {
	c, err := Parse("t.yaml", []byte("kinesis: !!map\n  account_id: !!str 000000000000\nstreams: !!seq\n  - {name: !!str 2024, shards: !!int 3}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kinesis.AccountID != "000000000000" || c.Streams[0].Name != "2024" || c.Streams[0].Shards != 3 {
		t.Errorf("got %+v", c)
	}
}

func TestEmptyInputIsDefault(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n", "log:\nlisten:\n"} {
		c, err := Parse("t.yaml", []byte(src), nil)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		d := Default()
		if c.DataDir != d.DataDir || c.Log != d.Log || c.Listen.HTTP != d.Listen.HTTP || c.Listen.TLS != nil ||
			c.Kinesis != d.Kinesis || len(c.Streams) != 0 || len(c.Auth.AccessKeys) != 0 {
			t.Errorf("%q: got %+v, want the defaults %+v", src, c, d)
		}
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("", nil); err != nil {
		t.Errorf("defaults: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(missing, nil)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v, want an fs.ErrNotExist naming %s", err, missing)
	}
	path := filepath.Join(t.TempDir(), "tidegate.yaml")
	if err := os.WriteFile(path, []byte("log:\n  level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path, nil)
	if want := path + `:2:10: log.level: "loud" is not one of debug, info, warn, error`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestShardsConfig checks that what Validate accepts, the storage engine accepts: the
// extremes of every range create a stream.
func TestShardsConfig(t *testing.T) {
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	specs := []StreamSpec{
		DefaultStream(),
		{Shards: 1, Retention: Duration(shards.MinRetention), MaxBytes: MiB, OnFull: shards.RejectNew, MaxRecordSize: KiB, Throttle: ThrottleAWS},
		{Shards: 64, Retention: Duration(shards.MaxRetention), MaxBytes: 4 * TiB, OnFull: shards.OverwriteOldest, MaxRecordSize: 10 * MiB, Throttle: ThrottleNone},
	}
	for i, s := range specs {
		s.Name = "s" + string(rune('0'+i))
		c := Default()
		c.Streams = []StreamSpec{s}
		if err := c.Validate(); err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		sc := s.ShardsConfig()
		if sc.Shards != s.Shards || sc.Retention != time.Duration(s.Retention) || sc.MaxBytes != int64(s.MaxBytes) ||
			sc.OnFull != s.OnFull || sc.MaxRecordSize != int(s.MaxRecordSize) {
			t.Errorf("ShardsConfig() = %+v for %+v", sc, s)
		}
		if _, err := st.CreateStream(s.Name, sc); err != nil {
			t.Errorf("the storage engine refuses %+v: %v", sc, err)
		}
	}
}

func TestLogLevelSlog(t *testing.T) {
	for l, want := range map[LogLevel]string{LevelDebug: "DEBUG", LevelInfo: "INFO", LevelWarn: "WARN", LevelError: "ERROR"} {
		if got := l.Slog().String(); got != want {
			t.Errorf("%s.Slog() = %s, want %s", l, got, want)
		}
	}
}
