package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	withNewline := writeFile(t, dir, "secret", "from-file\n")
	withCRLF := writeFile(t, dir, "secret-crlf", "crlf\r\n")
	tests := []struct {
		name, key string
		environ   []string
		want      string
	}{
		{"inline", "secret: inline-value", nil, "inline-value"},
		{"inline number as written", "secret: 0123", nil, "0123"},
		{"file, newline trimmed", "secret_file: " + withNewline, nil, "from-file"},
		{"file, CRLF trimmed", "secret_file: " + withCRLF, nil, "crlf"},
		{"env", "secret_env: MY_SECRET", []string{"MY_SECRET=from-env"}, "from-env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "auth:\n  access_keys:\n    - id: AKID\n      " + tt.key + "\n"
			c, err := Parse("t.yaml", []byte(src), tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Auth.AccessKeys[0].Secret.Value(); got != tt.want {
				t.Errorf("secret %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretErrors(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty", "\n")
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name, keys string
		want       string
	}{
		{"missing file", "- id: A\n      secret_file: " + missing,
			"t.yaml:4:20: auth.access_keys[0].secret_file: cannot read the secret: open " + missing + ": no such file or directory"},
		{"empty file", "- id: A\n      secret_file: " + empty,
			"t.yaml:4:20: auth.access_keys[0].secret_file: " + empty + " is empty"},
		{"unset variable", "- id: A\n      secret_env: NOT_SET",
			"t.yaml:4:19: auth.access_keys[0].secret_env: environment variable NOT_SET is not set"},
		{"empty inline", "- id: A\n      secret: ''",
			"t.yaml:4:15: auth.access_keys[0].secret: is empty"},
		{"two sources", "- id: A\n      secret: x\n      secret_env: X",
			"t.yaml:3:5: auth.access_keys[0]: set only one of secret, secret_file and secret_env, not secret and secret_env"},
		{"three sources", "- {id: A, secret: x, secret_env: X, secret_file: /x}",
			"t.yaml:3:5: auth.access_keys[0]: set only one of secret, secret_file and secret_env, not secret, secret_file and secret_env"},
		{"no source", "- id: A",
			"t.yaml:3:5: auth.access_keys[0]: no secret: set one of secret, secret_file or secret_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "auth:\n  access_keys:\n    " + tt.keys + "\n"
			_, err := Parse("t.yaml", []byte(src), nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestSecretsNeverPrinted formats, marshals and logs a configuration every usual way
// and looks for the secrets in the output.
func TestSecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "secret", "s3cr3t-from-file\n")
	src := "auth:\n  access_keys:\n    - {id: A, secret: s3cr3t-inline}\n    - {id: B, secret_file: " + file + "}\n    - {id: C, secret_env: S}\n"
	c, err := Parse("t.yaml", []byte(src), []string{"S=s3cr3t-from-env", "TIDEGATE_ACCESS_KEY_ID=D", "TIDEGATE_SECRET_ACCESS_KEY=s3cr3t-tidegate-env"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, format+"\n", c)
		fmt.Fprintf(&out, format+"\n", *c)
		fmt.Fprintf(&out, format+"\n", c.Auth)
		fmt.Fprintf(&out, format+"\n", c.Auth.AccessKeys[0])
		fmt.Fprintf(&out, format+"\n", c.Auth.AccessKeys[0].Secret)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(js)
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("config", "cfg", c, "keys", c.Auth.AccessKeys, "key", c.Auth.AccessKeys[0], "secret", c.Auth.AccessKeys[0].Secret)
	}
	if strings.Contains(out.String(), "s3cr3t") {
		t.Errorf("a secret was printed:\n%s", &out)
	}
	for _, want := range []string{"[REDACTED]", "A (secret: inline)", "B (secret: file " + file + ")", "C (secret: $S)", "D (secret: $TIDEGATE_SECRET_ACCESS_KEY)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	for i, want := range []string{"s3cr3t-inline", "s3cr3t-from-file", "s3cr3t-from-env", "s3cr3t-tidegate-env"} {
		if got := c.Auth.AccessKeys[i].Secret.Value(); got != want {
			t.Errorf("key %d: Value() = %q, want %q", i, got, want)
		}
	}
}
