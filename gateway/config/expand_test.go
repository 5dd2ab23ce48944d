package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink/endpoint"
)

func TestExpandVars(t *testing.T) {
	lookup := environLookup([]string{"HOST=hub.local", "EMPTY=", "KEY=s3cr$t", "HOST=hub.example"})
	tests := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"${HOST}", "hub.example", ""}, // the later pair wins
		{"https://${HOST}:8080/x", "https://hub.example:8080/x", ""},
		{"Bearer ${KEY}", "Bearer s3cr$t", ""}, // a value is not expanded again
		{"${EMPTY}", "", ""},
		{"${EMPTY:-d}", "d", ""},
		{"${MISSING:-fallback value}", "fallback value", ""},
		{"${MISSING:-}", "", ""},
		{"${HOST:-unused}", "hub.example", ""},
		{"$${HOST}", "${HOST}", ""},
		{"a$$b $x $", "a$$b $x $", ""},
		{"${HOST}${HOST}", "hub.examplehub.example", ""},
		{"${MISSING}", "", "environment variable MISSING is not set"},
		{"x ${HOST", "", "without a closing }"},
		{"${}", "", "is not a variable name"},
		{"${1X}", "", "is not a variable name"},
		{"${A-B}", "", "is not a variable name"},
	}
	for _, tt := range tests {
		got, err := expandVars(tt.in, lookup)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want one containing %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := expandVars("${NOPE}", lookup); !errors.Is(err, errUnsetVar) {
		t.Errorf("unset variable: %v does not wrap errUnsetVar", err)
	}
}

// The references the docs use reach the settings expanded, in plug-in sections too.
func TestParseExpandsEnvironmentReferences(t *testing.T) {
	file := `data_dir: ${STATE:-/var/lib/tidegate}
auth:
  tokens:
    - {name: ops, secret: "${OPS_TOKEN}"}
deliveries:
  - name: to-cloud
    from: sensors
    to:
      type: http
      url: https://${HUB_HOST}/api/v1/firehose/sensors
      access_key: ${COLLECTOR_KEY}
`
	c, err := Parse("t.yaml", []byte(file), []string{"OPS_TOKEN=tok-0123456789abcdef", "HUB_HOST=hub.example:8080", "COLLECTOR_KEY=k-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/tidegate" {
		t.Errorf("data_dir %q", c.DataDir)
	}
	if got := c.Auth.Tokens[0].Secret.Value(); got != "tok-0123456789abcdef" {
		t.Errorf("token %q", got)
	}
	to := c.Deliveries[0].To.Config.(*endpoint.Config)
	if to.URL != "https://hub.example:8080/api/v1/firehose/sensors" || to.AccessKey != "k-1" {
		t.Errorf("destination not expanded: url %q, access_key %q", to.URL, to.AccessKey)
	}
}

// An unset variable is an error at the setting's line that names the variable.
func TestParseUnsetVariableNamesTheLine(t *testing.T) {
	file := "streams:\n  - name: s\ndeliveries:\n  - name: d\n    from: s\n    to:\n      type: http\n      url: https://x.example/\n      access_key: ${COLLECTOR_KEY}\n"
	_, err := Parse("t.yaml", []byte(file), []string{"OTHER=1"})
	if err == nil {
		t.Fatal("accepted")
	}
	want := "t.yaml:9:19: deliveries[0].to.access_key: environment variable COLLECTOR_KEY is not set"
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want it to start %q", err, want)
	}
}

// A delivery posted over the API cannot read the gateway's environment.
func TestParseDeliveryRefusesReferences(t *testing.T) {
	_, err := ParseDelivery("api", []byte("{\"name\": \"d\", \"from\": \"s\", \"to\": {\"type\": \"http\", \"url\": \"https://x.example/${AWS_SECRET_ACCESS_KEY}\"}}"))
	if err == nil || !strings.Contains(err.Error(), "expanded only in the configuration file") {
		t.Fatalf("error %v", err)
	}
	d, err := ParseDelivery("api", []byte("{\"name\": \"d\", \"from\": \"s\", \"to\": {\"type\": \"http\", \"url\": \"https://x.example/$${literal}\"}}"))
	if err != nil {
		t.Fatal(err)
	}
	if u := d.To.Config.(*endpoint.Config).URL; u != "https://x.example/${literal}" {
		t.Errorf("literal not kept: %s", u)
	}
}

// FuzzExpandVars: no input panics, an error names a reference, and text without ${
// comes back unchanged.
func FuzzExpandVars(f *testing.F) {
	for _, s := range []string{"", "${A}", "${A:-b}", "$${A}", "${", "${}", "x${A}y${B:-}z", "$$$${A}"} {
		f.Add(s)
	}
	lookup := environLookup([]string{"A=1", "B="})
	f.Fuzz(func(t *testing.T, s string) {
		got, err := expandVars(s, lookup)
		if !strings.Contains(s, "${") && (err != nil || got != s) {
			t.Fatalf("%q changed to %q, %v", s, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "${") && !strings.Contains(err.Error(), "variable") {
			t.Fatalf("%q: error %q names no reference", s, err)
		}
	})
}
