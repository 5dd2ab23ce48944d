package transform

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		key  string // "" means valid
	}{
		{"http", Config{Type: "http", URL: "https://transform.local/fn", Headers: map[string]string{"Authorization": "Bearer x"}, Timeout: time.Minute, MaxRecords: 500, MaxPayload: 1 << 20}, ""},
		{"command", Config{Type: "command", Command: []string{"python3", "-u", "t.py"}, Env: []string{"PYTHONUNBUFFERED=1"}}, ""},
		{"no type", Config{URL: "https://x"}, "type"},
		{"lambda type", Config{Type: "lambda"}, "type"},
		{"http without url", Config{Type: "http"}, "url"},
		{"http bad url", Config{Type: "http", URL: "file:///x"}, "url"},
		{"http bad header", Config{Type: "http", URL: "https://x", Headers: map[string]string{"Bad Name": "v"}}, "headers"},
		{"http header newline", Config{Type: "http", URL: "https://x", Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "headers"},
		{"http content-type header", Config{Type: "http", URL: "https://x", Headers: map[string]string{"content-type": "text/plain"}}, "headers"},
		{"http with command", Config{Type: "http", URL: "https://x", Command: []string{"x"}}, "command"},
		{"command empty", Config{Type: "command"}, "command"},
		{"command with url", Config{Type: "command", Command: []string{"x"}, URL: "https://x"}, "url"},
		{"command bad env", Config{Type: "command", Command: []string{"x"}, Env: []string{"NOEQUALS"}}, "env"},
		{"negative timeout", Config{Type: "http", URL: "https://x", Timeout: -1}, "timeout"},
		{"negative max_records", Config{Type: "http", URL: "https://x", MaxRecords: -1}, "max_records"},
		{"tiny max_payload", Config{Type: "http", URL: "https://x", MaxPayload: 10}, "max_payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.key+":") {
				t.Fatalf("got %v, want ErrConfig naming %s", err, tc.key)
			}
			if tr, err := New(tc.cfg); err == nil || tr != nil {
				t.Fatalf("New accepted an invalid config: %v", tr)
			}
		})
	}
}
