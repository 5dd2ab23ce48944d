package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// run runs the tidegate command against endpoint and returns its stdout, stderr and
// exit code, whatever they are.
func run(t *testing.T, endpoint, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := tidegate(t, args...)
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+endpoint, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), exitCode(err)
}

// countRecords reads the whole stream back through the CLI.
func countRecords(t *testing.T, ep, stream string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(cli(t, ep, "", "tail", stream, "--json")), "\n") {
		if l == "" {
			continue
		}
		var r struct {
			Data string `json:"data"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("tail line %q: %v", l, err)
		}
		seen[r.Data] = true
	}
	return seen
}

// A blank line in the input (the 101st here, as in the report) is skipped and said so;
// every other line is stored.
func TestPutLinesSkipsBlankLines(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "logs")
	var in strings.Builder
	want := 0
	for i := 1; i <= 1200; i++ {
		if i == 101 || i == 700 || i == 701 {
			in.WriteString("\n")
			continue
		}
		fmt.Fprintf(&in, "line-%04d\n", i)
		want++
	}
	_, stderr, code := run(t, ep, in.String(), "put", "logs", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("put %d records (3 blank lines skipped)", want)) {
		t.Fatalf("stderr %q", stderr)
	}
	if got := countRecords(t, ep, "logs"); len(got) != want {
		t.Fatalf("%d records stored, want %d", len(got), want)
	}
	stdout, _, _ := run(t, ep, "a\n\nb\n", "put", "logs", "-", "--json")
	if strings.TrimSpace(stdout) != `{"blank_lines_skipped":1,"records":2}` {
		t.Fatalf("--json: %q", stdout)
	}
}

// A line the stream refuses is named by its input line, and the error says what was
// stored.
func TestPutLinesNamesARefusedLine(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "logs")
	big := strings.Repeat("x", 1<<20+1) // over the 1 MiB record limit
	in := "one\ntwo\n" + big + "\nfour\n"
	_, stderr, code := run(t, ep, in, "put", "logs", "-")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "stdin line 3: ") || !strings.Contains(stderr, "none of lines 1-4 is stored") {
		t.Fatalf("stderr does not name line 3: %q", stderr)
	}
}

// A retention the Kinesis API cannot set is refused before anything is created; one
// it can is set exactly, and --json reports what was made.
func TestStreamsCreateRetention(t *testing.T) {
	ep := startGateway(t)
	for _, r := range []string{"30m", "90m", "0h", "9000h", "soon"} {
		_, stderr, code := run(t, ep, "", "streams", "create", "s-"+strings.TrimSuffix(r, "h"), "--retention", r)
		if code != 2 || !strings.Contains(stderr, "--retention: ") || !strings.Contains(stderr, r) {
			t.Errorf("--retention %s: exit %d, %q", r, code, stderr)
		}
	}
	if out := cli(t, ep, "", "streams", "ls", "--json"); strings.TrimSpace(out) != "null" && strings.TrimSpace(out) != "[]" {
		t.Fatalf("a refused create left streams behind: %s", out)
	}
	if out := cli(t, ep, "", "streams", "create", "two", "--retention", "2h", "--json"); strings.TrimSpace(out) != `{"created":"two","retention_hours":2,"shards":1}` {
		t.Fatalf("create --json: %q", out)
	}
	cli(t, ep, "", "streams", "create", "week", "--retention", "7d", "--shards", "2")
	out := cli(t, ep, "", "streams", "ls")
	if !strings.Contains(out, "two     1       2h") || !strings.Contains(out, "week    2       168h") {
		t.Fatalf("ls:\n%s", out)
	}
}
