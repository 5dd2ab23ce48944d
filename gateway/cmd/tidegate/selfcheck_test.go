package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The self-check runs under qemu where nobody can look closer: each failure must name the
// step, what it worked on, and the underlying error.
func TestSelfcheckCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	used := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{"passes", nil, 0, "selfcheck ok: 4000 records written", nil},
		{"passes in a given directory", []string{"--data-dir", used}, 0, "selfcheck ok: 4000 records written", nil},
		{
			"data directory is a file", []string{"--data-dir", file}, 1, "",
			[]string{"step 1 of 10 (open the store)", "open store in " + file, "not a directory"},
		},
		{
			"data directory already used", []string{"--data-dir", used}, 1, "",
			[]string{"step 2 of 10 (create the stream)", `stream "selfcheck"`, "already exists", "must be empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := tidegate(t, append([]string{"selfcheck"}, tc.args...)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if code := exitCode(cmd.Run()); code != tc.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout %q does not contain %q", &stdout, tc.wantStdout)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not name %q", &stderr, w)
				}
			}
			if strings.Contains(stderr.String(), "-1") {
				t.Errorf("stderr %q reports a made-up count", &stderr)
			}
		})
	}
}

// Failures induced between the steps come back naming the step, the stream or shard, and
// the cause; a read error is never turned into a count.
func TestSelfcheckNamesAFailedStep(t *testing.T) {
	segments := func(t *testing.T, dir string) []string {
		t.Helper()
		segs, err := filepath.Glob(filepath.Join(dir, "streams", selfcheckStream+"-*", "*.seg"))
		if err != nil || len(segs) == 0 {
			t.Fatalf("no segment files (%v)", err)
		}
		return segs
	}
	tests := []struct {
		name   string
		before string // the step the fault is injected before
		fault  func(t *testing.T, c *selfcheck)
		want   []string
	}{
		{
			name: "stream deleted under the reader", before: "read back",
			fault: func(t *testing.T, c *selfcheck) {
				if err := c.st.DeleteStream(selfcheckStream); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"step 5 of 11 (read back)", `stream "selfcheck"`, "read shard shardId-", "closed"},
		},
		{
			name: "segment files lost while closed", before: "reopen the store",
			fault: func(t *testing.T, c *selfcheck) {
				for _, p := range segments(t, c.dir) {
					if err := os.Remove(p); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: []string{"step 10 of 11 (read back after the reopen)", `stream "selfcheck": read 0 records, want 4000`},
		},
		{
			name: "segment file unreadable", before: "reopen the store",
			fault: func(t *testing.T, c *selfcheck) {
				p := segments(t, c.dir)[0]
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(p, 0o700); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"step 9 of 11 (reopen the store)", "open store in ", ".seg", "is a directory"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &selfcheck{dir: t.TempDir()}
			defer c.closeStore()
			steps := c.steps()
			at := slices.IndexFunc(steps, func(s step) bool { return s.name == tc.before })
			if at < 0 {
				t.Fatalf("no step %q", tc.before)
			}
			fault := step{"fault", func(context.Context) error { tc.fault(t, c); return nil }}
			err := runSteps(context.Background(), slices.Insert(steps, at, fault))
			if err == nil {
				t.Fatal("the self-check passed despite the fault")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}
