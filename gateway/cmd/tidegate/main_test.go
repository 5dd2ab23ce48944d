package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets tests run this test binary as the tidegate command, so exit codes and
// signal handling are checked on the real main.
func TestMain(m *testing.M) {
	if os.Getenv("TIDEGATE_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// tidegate returns a command running main with args.
func tidegate(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TIDEGATE_TEST_RUN_MAIN=1")
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no args prints usage", nil, 0, "Commands:", ""},
		{"help lists every command", []string{"help"}, 0, "  version", ""},
		{"unknown command", []string{"nope"}, 2, "", `unknown command "nope"`},
		{"unknown flag", []string{"version", "--nope"}, 2, "", "flag provided but not defined: -nope"},
		{"stray argument", []string{"version", "extra"}, 2, "", `unexpected argument "extra"`},
		{"flag help", []string{"run", "-h"}, 0, "", "Usage: tidegate run"},
		{"version line", []string{"version"}, 0, "tidegate v", ""},
		{
			"non-loopback listener refused", []string{"run", "--http", "0.0.0.0:8080", "--data-dir", t.TempDir()}, 2, "",
			"0.0.0.0:8080 is not loopback: a listener other clients can reach must authenticate them",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := tidegate(t, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := exitCode(cmd.Run())
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", &stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", &stderr, tt.wantStderr)
			}
		})
	}
}

func TestUsageListsEveryCommand(t *testing.T) {
	var buf bytes.Buffer
	printUsage(&buf)
	for _, c := range commands {
		if !strings.Contains(buf.String(), "  "+c.name+" ") || !strings.Contains(buf.String(), c.summary) {
			t.Errorf("usage does not list %q with its summary:\n%s", c.name, &buf)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	b := buildInfo{Version: "v1.2.3", Commit: "abc1234", Go: "go1.26.8", GOOS: "linux", GOARCH: "arm", GOARM: "6"}
	var buf bytes.Buffer
	if err := writeVersion(&buf, b, true); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, &buf)
	}
	want := map[string]string{"version": "v1.2.3", "commit": "abc1234", "go": "go1.26.8", "goos": "linux", "goarch": "arm", "goarm": "6"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("keys %v, want exactly %v", got, want)
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		b    buildInfo
		want string
	}{
		{"arm names GOARM", buildInfo{"v0.1.0", "abc1234", "go1.26.8", "linux", "arm", "6"}, "tidegate v0.1.0 (commit abc1234) go1.26.8 linux/arm GOARM=6\n"},
		{"arm64 has no GOARM", buildInfo{"v0.1.0", "abc1234", "go1.26.8", "linux", "arm64", ""}, "tidegate v0.1.0 (commit abc1234) go1.26.8 linux/arm64\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writeVersion(&buf, tt.b, false); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", &buf, tt.want)
			}
		})
	}
}
