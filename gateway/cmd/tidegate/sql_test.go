package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSQLCommand(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "sensors")
	cli(t, ep, "", "put", "sensors", "--key", "a", `{"device":"a","temp":31.5}`)
	cli(t, ep, "", "put", "sensors", "--key", "b", `{"device":"bedroom","temp":19}`)
	got := cli(t, ep, "", "sql", "SELECT device, temp FROM sensors ORDER BY temp")
	want := "device   temp\n-------  ----\nbedroom  19\na        31.5\n(2 rows)\n"
	if got != want {
		t.Errorf("table:\n%s\nwant\n%s", got, want)
	}
	got = cli(t, ep, "", "sql", "--json", "SELECT device FROM sensors WHERE temp > 20")
	if got != `{"device":"a"}`+"\n" {
		t.Errorf("--json: %q", got)
	}
	// A script from stdin: a declaration and a query.
	got = cli(t, ep, "CREATE STREAM r (device STRING, temp DOUBLE) WITH (source = 'sensors');\nCREATE QUERY hot AS INSERT INTO alerts SELECT device FROM r WHERE temp > 30;\n", "sql", "-")
	if got != "declared r\ncreated query hot\n" {
		t.Errorf("script: %q", got)
	}
}

// An error points at its line and column with a caret under the spot.
func TestSQLCommandError(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "sensors")
	cmd := tidegate(t, "sql", "SELECT device,\n  AVG(temp)\nFROM sensors\nWHERE AVG(temp) > 3")
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+ep, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	want := "line 4, column 7: "
	caret := "  WHERE AVG(temp) > 3\n        ^\n"
	if exitCode(err) != 1 || !strings.Contains(stderr.String(), want) || !strings.HasSuffix(stderr.String(), caret) {
		t.Errorf("exit %d, stderr:\n%s\nwant %q and then\n%s", exitCode(err), stderr.String(), want, caret)
	}
}

// --follow prints rows as they come until it is stopped.
func TestSQLCommandFollow(t *testing.T) {
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "sensors")
	cmd := tidegate(t, "sql", "--json", "--follow", "SELECT temp FROM sensors")
	cmd.Env = append(cmd.Env, "TIDEGATE_ENDPOINT="+ep, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=")
	var stdout syncBuffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil && !strings.Contains(stdout.String(), `{"temp":7}`) {
		cli(t, ep, "", "put", "sensors", "--key", "a", `{"temp":7}`)
		time.Sleep(200 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatalf("no row followed: %q", stdout.String())
	}
}

// syncBuffer is a buffer a child process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The shell, on a terminal (script(1) makes one): statements over several lines, rows as
// a table, an error with its caret, the history kept in the home directory.
func TestSQLShell(t *testing.T) {
	scriptPath, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed: no terminal to run the shell on")
	}
	ep := startGateway(t)
	cli(t, ep, "", "streams", "create", "sensors")
	cli(t, ep, "", "put", "sensors", "--key", "a", `{"device":"a","temp":3}`)
	home := t.TempDir()
	bin := tidegate(t).Path
	cmd := exec.Command(scriptPath, "-qc", bin+" sql", "/dev/null")
	cmd.Env = append(os.Environ(), "TIDEGATE_TEST_RUN_MAIN=1", "TIDEGATE_ENDPOINT="+ep, "AWS_ACCESS_KEY_ID=", "TIDEGATE_ACCESS_KEY_ID=", "HOME="+home)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wait := func(s string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("the shell never printed %q:\n%s", s, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("sql> ")
	io.WriteString(in, "SELECT device,\n temp FROM sensors;\n")
	wait("(1 row)")
	io.WriteString(in, "SELECT nope\n FROM;\n")
	wait("^")
	io.WriteString(in, "\\q\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := strings.ReplaceAll(out.String(), "\r", "")
	for _, want := range []string{"device  temp\n------  ----\na       3\n(1 row)", "error: line 2, column 6: expected a stream or table name after FROM", "   FROM;\n       ^"} {
		if !strings.Contains(text, want) {
			t.Errorf("the shell did not print %q:\n%s", want, text)
		}
	}
	hist, _ := os.ReadFile(filepath.Join(home, ".tidegate_sql_history"))
	if !strings.Contains(string(hist), " temp FROM sensors;") {
		t.Errorf("history %q", hist)
	}
}
