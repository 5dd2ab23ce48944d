package file

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

const crashDirEnv = "TIDEGATE_FILE_CRASH_DIR"

func crashConfig(dir string) Config { return Config{Dir: dir, Compression: "gzip"} }

func crashBatchID(i int) string { return fmt.Sprintf("crash-%d", i) }

// TestCrashChild is the process TestKill9 kills: it writes batch after
// batch and says which it finished.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestKill9")
	}
	s, err := New(crashConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		b, _ := batch(crashBatchID(i), 20000)
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("wrote %d\n", i)
	}
}

// TestKill9 kills a writing process with SIGKILL and checks what a reader
// finds: every finished batch whole, no partial object under any name, and
// the batch that was in flight written whole when retried, its leftover
// temporary file gone.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	finished := -1
	for finished < 2 && sc.Scan() {
		fmt.Sscanf(sc.Text(), "wrote %d", &finished)
	}
	// Somewhere inside the next write.
	time.Sleep(time.Duration(time.Now().UnixNano()%20) * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	for sc.Scan() {
		fmt.Sscanf(sc.Text(), "wrote %d", &finished)
	}
	if finished < 2 {
		t.Fatalf("the child finished %d batches before it was killed", finished+1)
	}

	// What is visible is whole and is a batch the child wrote.
	s, err := New(crashConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string][]byte)
	for i := 0; i <= finished+1; i++ {
		b, all := batch(crashBatchID(i), 20000)
		objs, err := s.layout.Objects(b)
		if err != nil {
			t.Fatal(err)
		}
		want[objs[0].Key] = all
	}
	got := readObjects(t, dir) // fails on a truncated gzip body
	for key, body := range got {
		if w, ok := want[key]; !ok || !bytes.Equal(body, w) {
			t.Errorf("object %s is not a whole batch", key)
		}
	}
	if len(got) < finished+1 {
		t.Errorf("%d objects, but the child finished %d batches", len(got), finished+1)
	}

	// The engine retries the batch in flight after the restart.
	b, _ := batch(crashBatchID(finished+1), 20000)
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if h := hidden(t, dir); len(h) != 0 {
		t.Errorf("temporary files left after the retry: %v", h)
	}
	if n := len(readObjects(t, dir)); n != finished+2 {
		t.Errorf("%d objects after the retry, want %d", n, finished+2)
	}
}
