package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleConfig = "../../../tidegate.example.yaml"

// withoutTidegateEnv drops the developer's TIDEGATE_* settings, which config check
// applies, so that they cannot change the outcome.
func withoutTidegateEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TIDEGATE_") || strings.HasPrefix(kv, "TIDEGATE_TEST_") {
			out = append(out, kv)
		}
	}
	return out
}

func TestConfigCheckCommand(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("log:\n  level: loud\nstreams:\n  - name: sensors\n    shardz: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	invalid := filepath.Join(dir, "invalid.yaml")
	if err := os.WriteFile(invalid, []byte("log:\n  level: loud\nstreams:\n  - name: sensors\n    retention: 30s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{"the sample is valid", []string{"config", "check", exampleConfig}, 0,
			exampleConfig + ": ok (1 stream, http 127.0.0.1:8080)\n", nil},
		{"a decoding error stops at the first problem", []string{"config", "check", broken}, 1, "",
			[]string{broken + `:5:5: unknown field "shardz" in streams[0]` + "\n", "tidegate: " + broken + ": 1 problem\n"}},
		{"validation lists every problem", []string{"config", "check", invalid}, 1, "",
			[]string{
				invalid + `:2:10: log.level: "loud" is not one of debug, info, warn, error` + "\n" +
					invalid + ":5:16: streams[0].retention: 30s is below the minimum 1m\n",
				"tidegate: " + invalid + ": 2 problems\n",
			}},
		{"missing file", []string{"config", "check", filepath.Join(dir, "nope.yaml")}, 1, "",
			[]string{"no such file or directory"}},
		{"no subcommand", []string{"config"}, 2, "", []string{"Usage: tidegate config <subcommand>", "  check "}},
		{"no file", []string{"config", "check"}, 2, "", []string{"Usage: tidegate config check FILE"}},
		{"two files", []string{"config", "check", "a", "b"}, 2, "", []string{"Usage: tidegate config check FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := tidegate(t, tt.args...)
			cmd.Env = withoutTidegateEnv(cmd.Env)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := exitCode(cmd.Run())
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout %q, want %q", &stdout, tt.wantStdout)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q does not contain %q", &stderr, want)
				}
			}
		})
	}
}

// TestCheckConfigEnvironment: config check applies the environment as run does.
func TestCheckConfigEnvironment(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := checkConfig(&stdout, &stderr, exampleConfig, []string{"TIDEGATE_LISTEN_HTTP=0.0.0.0:8080"})
	if err == nil || err.Error() != exampleConfig+": 1 problem" {
		t.Errorf("error %v, want %q", err, exampleConfig+": 1 problem")
	}
	want := "TIDEGATE_LISTEN_HTTP: listen.http: 0.0.0.0:8080 is not loopback: a listener other clients can reach must authenticate them: configure auth.access_keys or auth.tokens\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", &stderr, want)
	}
	stderr.Reset()
	err = checkConfig(&stdout, &stderr, exampleConfig, []string{"TIDEGATE_LISTEN_HTTP=0.0.0.0:8080", "TIDEGATE_ACCESS_KEY_ID=AKID", "TIDEGATE_SECRET_ACCESS_KEY=s"})
	if err != nil || stdout.String() != exampleConfig+": ok (1 stream, http 0.0.0.0:8080)\n" {
		t.Errorf("got %v, stdout %q, stderr %q", err, &stdout, &stderr)
	}
}

// config check refuses what run refuses beyond the file's own rules — a certificate
// that does not load, a data directory that cannot be made, a broker's CA that is no
// certificate — with the same words, and run refuses each of them too.
func TestConfigCheckRefusesWhatRunRefuses(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	notADir := filepath.Join(dir, "file")
	for _, f := range []string{garbage, notADir} {
		if err := os.WriteFile(f, []byte("not a certificate\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"tls certificate", "data_dir: " + dir + "/d\nlisten: {tls: {cert_file: " + garbage + ", key_file: " + garbage + "}}\n", "listen.tls: tls: failed to find any PEM data"},
		{"data_dir a file", "data_dir: " + notADir + "/data\n", "data_dir: " + notADir + "/data: " + notADir + " is not a directory"},
		{"mqtt tls", "data_dir: " + dir + "/d\nmqtt: {tls: {listen: 127.0.0.1:0, cert_file: " + garbage + ", key_file: " + garbage + "}}\n", "mqtt: config: tls: tls: failed to find any PEM data"},
		{"broker ca", "data_dir: " + dir + "/d\nmqtt: {brokers: [{name: site, url: ssl://127.0.0.1:8883, client_id: g, ca_file: " + garbage + "}], subscriptions: [{broker: site, topic: a/#, stream: s}]}\n", `mqtt: broker "site": ca_file ` + garbage + ": no certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			cmd := tidegate(t, "config", "check", file)
			cmd.Env = withoutTidegateEnv(cmd.Env)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if code := exitCode(cmd.Run()); code != 1 || !strings.Contains(stderr.String(), file+": "+tc.want) {
				t.Fatalf("config check: exit %d, stdout %q, stderr %q; want 1 and %q", code, &stdout, &stderr, tc.want)
			}
			stderr.Reset()
			cmd = tidegate(t, "run", "--config", file, "--http", "127.0.0.1:0", "--mqtt", "-")
			if tc.name == "mqtt tls" || tc.name == "broker ca" {
				cmd = tidegate(t, "run", "--config", file, "--http", "127.0.0.1:0")
			}
			cmd.Env = withoutTidegateEnv(cmd.Env)
			cmd.Stderr = &stderr
			if code := exitCode(cmd.Run()); code == 0 || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("run: exit %d, stderr %q; want a refusal with %q", code, &stderr, tc.want)
			}
		})
	}
}
