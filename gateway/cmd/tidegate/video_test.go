package main

import (
	"bytes"
	"strings"
	"testing"
)

// An RTSP listener other machines can reach needs credentials: the
// gateway refuses to start and says which listener and which keys.
func TestRunRefusesOpenRTSP(t *testing.T) {
	var stderr bytes.Buffer
	cmd := tidegate(t, "run", "--http", "127.0.0.1:0", "--mqtt", "-", "--rtsp", "0.0.0.0:8554", "--data-dir", t.TempDir())
	cmd.Stderr = &stderr
	if code := exitCode(cmd.Run()); code != 2 {
		t.Errorf("exit code %d, want 2\n%s", code, &stderr)
	}
	want := "rtsp.listen: 0.0.0.0:8554 is not loopback: a listener other clients can reach must authenticate them: configure rtsp.username and rtsp.password"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", &stderr, want)
	}
}
