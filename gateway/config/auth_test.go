package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

const testToken = "0123456789abcdef0123"

func TestTokenSources(t *testing.T) {
	file := writeFile(t, t.TempDir(), "token", "from-file-0123456789\n")
	src := "auth:\n  tokens:\n" +
		"    - {name: inline, secret: " + testToken + "}\n" +
		"    - {name: file, secret_file: " + file + "}\n" +
		"    - {secret_env: MY_TOKEN}\n"
	c, err := Parse("t.yaml", []byte(src), []string{"MY_TOKEN=from-env-0123456789", "TIDEGATE_TOKEN=from-tidegate-token-var"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range c.Auth.Tokens {
		got = append(got, tok.Name+"="+tok.Secret.Value())
	}
	want := []string{"inline=" + testToken, "file=from-file-0123456789", "=from-env-0123456789", "TIDEGATE_TOKEN=from-tidegate-token-var"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name, tokens string
		environ      []string
		want         string
	}{
		{"too short", "- {secret: short}", nil,
			"t.yaml:3:16: auth.tokens[0].secret: the token is 5 characters; at least 16 are needed (openssl rand -hex 16 makes one)"},
		{"too short from the environment", "- {secret_env: T}", []string{"T=short"},
			"t.yaml:3:20: auth.tokens[0].secret_env: the token is 5 characters; at least 16 are needed (openssl rand -hex 16 makes one)"},
		{"a space", "- {secret: '0123456789 abcdef'}", nil,
			"t.yaml:3:16: auth.tokens[0].secret: character 11 of the token is not printable ASCII without spaces, which an Authorization header needs"},
		{"no secret", "- {name: a}", nil,
			"t.yaml:3:5: auth.tokens[0]: no secret: set one of secret, secret_file or secret_env"},
		{"two sources", "- {secret: " + testToken + ", secret_env: X}", nil,
			"t.yaml:3:5: auth.tokens[0]: set only one of secret, secret_file and secret_env, not secret and secret_env"},
		{"unset variable", "- {secret_env: NOT_SET}", nil,
			"t.yaml:3:20: auth.tokens[0].secret_env: environment variable NOT_SET is not set"},
		{"duplicate name", "- {name: a, secret: " + testToken + "}\n    - {name: a, secret: " + testToken + "}", nil,
			`t.yaml:4:14: auth.tokens[1].name: "a" is already used by auth.tokens[0]`},
		{"bad name", "- {name: 'a b', secret: " + testToken + "}", nil,
			`t.yaml:3:14: auth.tokens[0].name: "a b" must be 1-64 characters of A-Z, a-z, 0-9 and _ . : @ -`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte("auth:\n  tokens:\n    "+tt.tokens+"\n"), tt.environ)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "0123456789") {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}
	_, err := Parse("", nil, []string{"TIDEGATE_TOKEN=short"})
	if want := "TIDEGATE_TOKEN: auth.tokens[0].secret_env: the token is 5 characters"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("TIDEGATE_TOKEN too short: %v, want %s…", err, want)
	}
}

// TestTokensCountAsCredentials: a token alone lets the gateway listen beyond loopback,
// as an access key does.
func TestTokensCountAsCredentials(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		environ    []string
	}{
		{"in the file", "listen: {http: '0.0.0.0:8080'}\nauth:\n  tokens:\n    - {secret: " + testToken + "}\n", nil},
		{"TIDEGATE_TOKEN", "listen: {http: '0.0.0.0:8080'}\n", []string{"TIDEGATE_TOKEN=" + testToken}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t.yaml", []byte(tt.yaml), tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Auth.HasCredentials() {
				t.Error("HasCredentials is false")
			}
		})
	}
}

func TestChangesOfTokensAndMetrics(t *testing.T) {
	before, err := Parse("b.yaml", []byte("auth:\n  tokens:\n    - {name: a, secret: "+testToken+"}\n    - {name: b, secret: "+testToken+"}\n    - {secret: "+testToken+"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Parse("a.yaml", []byte("metrics: {public: true}\nauth:\n  tokens:\n    - {name: a, secret: "+testToken+"x}\n    - {name: c, secret: "+testToken+"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	reloadable, restart := Changes(before, after)
	want := []string{
		"auth.tokens: a secret changed",
		"auth.tokens: c added",
		"auth.tokens: b removed",
		"auth.tokens: tokens[2] removed",
		"metrics.public: false → true",
	}
	if !slices.Equal(reloadable, want) || restart != nil {
		t.Errorf("reloadable %q, restart %q; want %q", reloadable, restart, want)
	}
}

// TestTokensNeverPrinted formats, marshals and logs tokens every usual way and looks
// for their secrets in the output.
func TestTokensNeverPrinted(t *testing.T) {
	file := writeFile(t, t.TempDir(), "token", "s3cr3t-token-from-file\n")
	src := "auth:\n  tokens:\n    - {name: a, secret: s3cr3t-token-inline}\n    - {name: b, secret_file: " + file + "}\n"
	c, err := Parse("t.yaml", []byte(src), []string{"TIDEGATE_TOKEN=s3cr3t-token-from-env"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		fmt.Fprintf(&out, format+"\n", c)
		fmt.Fprintf(&out, format+"\n", c.Auth)
		fmt.Fprintf(&out, format+"\n", c.Auth.Tokens)
		fmt.Fprintf(&out, format+"\n", c.Auth.Tokens[0])
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(js)
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("config", "cfg", c, "tokens", c.Auth.Tokens, "token", c.Auth.Tokens[1])
	}
	if strings.Contains(out.String(), "s3cr3t") {
		t.Errorf("a token was printed:\n%s", &out)
	}
	for _, want := range []string{"a (secret: inline)", "b (secret: file " + file + ")", "TIDEGATE_TOKEN (secret: $TIDEGATE_TOKEN)", `"secret":"[REDACTED]"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}
