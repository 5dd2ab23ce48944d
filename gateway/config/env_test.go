package config

import (
	"testing"
)

func TestEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeFile(t, dir, "tls.crt", "pem"), writeFile(t, dir, "tls.key", "pem")
	file := "data_dir: ./from-file\nlog:\n  level: warn\nlisten:\n  http: 127.0.0.1:1\nkinesis:\n  region: eu-west-1\n"
	environ := []string{
		"TIDEGATE_DATA_DIR=/srv/tidegate",
		"TIDEGATE_LOG_LEVEL=debug",
		"TIDEGATE_LOG_FORMAT=json",
		"TIDEGATE_LISTEN_HTTP=0.0.0.0:8443",
		"TIDEGATE_TLS_CERT_FILE=" + cert,
		"TIDEGATE_TLS_KEY_FILE=" + key,
		"TIDEGATE_KINESIS_REGION=ap-south-1",
		"TIDEGATE_KINESIS_ACCOUNT_ID=111122223333",
		"TIDEGATE_ACCESS_KEY_ID=AKIDENV",
		"TIDEGATE_SECRET_ACCESS_KEY=from-env",
		"UNRELATED=1",
	}
	c, err := Parse("t.yaml", []byte(file), environ)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/tidegate" || c.Log != (Log{LevelDebug, FormatJSON}) || c.Listen.HTTP != "0.0.0.0:8443" ||
		c.Listen.TLS == nil || *c.Listen.TLS != (TLS{cert, key}) || c.Kinesis != (Kinesis{"ap-south-1", "111122223333"}) {
		t.Errorf("got %+v", c)
	}
	if len(c.Auth.AccessKeys) != 1 || c.Auth.AccessKeys[0].ID != "AKIDENV" || c.Auth.AccessKeys[0].Secret.Value() != "from-env" {
		t.Errorf("access keys %v", c.Auth.AccessKeys)
	}
}

func TestEnvRules(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		environ []string
		check   func(*Config) bool
	}{
		{"the file stays when the variable is unset", "log: {level: warn}\n", nil,
			func(c *Config) bool { return c.Log.Level == LevelWarn }},
		{"an empty variable is unset", "log: {level: warn}\n", []string{"TIDEGATE_LOG_LEVEL="},
			func(c *Config) bool { return c.Log.Level == LevelWarn }},
		{"the last of duplicates wins", "", []string{"TIDEGATE_LOG_LEVEL=error", "TIDEGATE_LOG_LEVEL=debug"},
			func(c *Config) bool { return c.Log.Level == LevelDebug }},
		{"the env key is appended after the file's", "auth:\n  access_keys:\n    - {id: FILE, secret: s}\n",
			[]string{"TIDEGATE_ACCESS_KEY_ID=ENV", "TIDEGATE_SECRET_ACCESS_KEY=t"},
			func(c *Config) bool {
				k := c.Auth.AccessKeys
				return len(k) == 2 && k[0].ID == "FILE" && k[1].ID == "ENV" && k[1].Secret.Value() == "t"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t.yaml", []byte(tt.yaml), tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

// TestEnvErrors checks that a bad value from the environment names its variable, not
// the file position of the value it replaced.
func TestEnvErrors(t *testing.T) {
	file := "log:\n  level: info\nlisten:\n  http: 127.0.0.1:8080\nauth:\n  access_keys:\n    - {id: AKID, secret: s}\n"
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"log level", []string{"TIDEGATE_LOG_LEVEL=verbose"},
			`TIDEGATE_LOG_LEVEL: log.level: "verbose" is not one of debug, info, warn, error`},
		{"log format", []string{"TIDEGATE_LOG_FORMAT=xml"},
			`TIDEGATE_LOG_FORMAT: log.format: "xml" is not one of auto, text, json`},
		{"listen", []string{"TIDEGATE_LISTEN_HTTP=8080"},
			`TIDEGATE_LISTEN_HTTP: listen.http: "8080" is not host:port, as in 127.0.0.1:8080`},
		{"region", []string{"TIDEGATE_KINESIS_REGION=Mars"},
			`TIDEGATE_KINESIS_REGION: kinesis.region: "Mars" may only hold a-z, 0-9 and -, as in us-east-1`},
		{"account", []string{"TIDEGATE_KINESIS_ACCOUNT_ID=12"},
			`TIDEGATE_KINESIS_ACCOUNT_ID: kinesis.account_id: "12" must be 12 digits (quote it in YAML, as in "000000000000", to keep leading zeros)`},
		{"tls file", []string{"TIDEGATE_TLS_CERT_FILE=/nonexistent/tls.crt"},
			"TIDEGATE_TLS_CERT_FILE: listen.tls.cert_file: /nonexistent/tls.crt: no such file or directory\n" +
				"TIDEGATE_TLS_CERT_FILE: listen.tls.key_file: missing: TLS needs both cert_file and key_file"},
		{"key id without secret", []string{"TIDEGATE_ACCESS_KEY_ID=AKID2"},
			"TIDEGATE_ACCESS_KEY_ID: set without TIDEGATE_SECRET_ACCESS_KEY: set both or neither"},
		{"secret without key id", []string{"TIDEGATE_SECRET_ACCESS_KEY=s"},
			"TIDEGATE_SECRET_ACCESS_KEY: set without TIDEGATE_ACCESS_KEY_ID: set both or neither"},
		{"duplicate key id", []string{"TIDEGATE_ACCESS_KEY_ID=AKID", "TIDEGATE_SECRET_ACCESS_KEY=s"},
			`TIDEGATE_ACCESS_KEY_ID: auth.access_keys[1].id: "AKID" is already used by auth.access_keys[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(file), tt.environ)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestEnvAccessKeyOpensListener: a key from the environment is enough for a
// non-loopback listener, as one from the file is.
func TestEnvAccessKeyOpensListener(t *testing.T) {
	environ := []string{"TIDEGATE_LISTEN_HTTP=0.0.0.0:8080"}
	if _, err := Parse("", nil, environ); err == nil {
		t.Fatal("non-loopback listener without keys accepted")
	}
	environ = append(environ, "TIDEGATE_ACCESS_KEY_ID=AKID", "TIDEGATE_SECRET_ACCESS_KEY=s")
	if _, err := Parse("", nil, environ); err != nil {
		t.Fatal(err)
	}
}
