package peer

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// AWSCLI is the AWS CLI (v1 or v2) pointed at an endpoint, with credentials
// of its own and none of the user's AWS settings (profile, region, keys).
type AWSCLI struct {
	t        testing.TB
	bin      string
	endpoint string
	env      []string
	// V2 tells the CLI's major version: v2 reads blob arguments as base64
	// unless told otherwise.
	V2 bool
}

// NewAWSCLI finds the AWS CLI, or calls Missing.
func NewAWSCLI(t testing.TB, endpoint, accessKeyID string) *AWSCLI {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		Missing(t, "the AWS CLI (aws)")
	}
	ver, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v: %s", err, ver)
	}
	c := &AWSCLI{t: t, bin: bin, endpoint: endpoint, V2: strings.HasPrefix(string(ver), "aws-cli/2")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env,
		"AWS_ACCESS_KEY_ID="+accessKeyID, "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	return c
}

// Run runs one command (as in "kinesis", "list-streams") with JSON output,
// extra arguments after it, and decodes the answer; a failure fails the
// test.
func (c *AWSCLI) Run(args []string, extra ...string) map[string]any {
	t := c.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := []string{"--endpoint-url", c.endpoint, "--region", "us-east-1", "--output", "json"}
	if c.V2 {
		full = append(full, "--no-cli-pager")
	}
	full = append(append(full, extra...), args...)
	cmd := exec.CommandContext(ctx, c.bin, full...)
	cmd.Env = c.env
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	var m map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), out, err)
		}
	}
	return m
}
