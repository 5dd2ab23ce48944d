// Package peer starts the real programs that tests talk to (kinesalite,
// s3rver) on a free 127.0.0.1 port, and decides what a missing one means:
// a skip with a clear message, or under CI=true a failure, since `make deps`
// installs every peer there.
package peer

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Missing skips the test, or fails it under CI=true, because a peer is not
// installed.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; under CI it is required (make deps installs it)", what)
	}
	t.Skipf("%s is not installed (make deps installs it): skipping", what)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("peer: no go.mod above the test's directory")
		}
		dir = up
	}
}

// nodeModule returns the directory of an npm package installed by make deps
// into .peers/node, and the node binary, or calls Missing.
func nodeModule(t testing.TB, name string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(t, "node (for "+name+")")
	}
	dir = filepath.Join(Root(t), ".peers", "node", "node_modules", name)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		Missing(t, name+" (npm, in .peers/node)")
	}
	return node, dir
}

// Kinesalite starts kinesalite on a free loopback port and returns its
// endpoint URL (http://127.0.0.1:PORT). Streams are created at once
// (createStreamMs 0). It stops when the test ends.
func Kinesalite(t testing.TB) string {
	t.Helper()
	node, dir := nodeModule(t, "kinesalite")
	port := FreePort(t)
	script := fmt.Sprintf(`require(%q)({createStreamMs:0,deleteStreamMs:0,updateStreamMs:0,shardLimit:100}).listen(%d,"127.0.0.1",()=>console.log("ready"))`, dir, port)
	startNode(t, node, script, "kinesalite")
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// S3rver starts s3rver on a free loopback port with an empty directory and
// the given buckets, and returns its endpoint URL. Credentials are
// S3RVER / S3RVER, the region any.
func S3rver(t testing.TB, buckets ...string) string {
	t.Helper()
	node, dir := nodeModule(t, "s3rver")
	port := FreePort(t)
	var cfg []string
	for _, b := range buckets {
		cfg = append(cfg, fmt.Sprintf("{name:%q}", b))
	}
	script := fmt.Sprintf(`const S3rver=require(%q);new S3rver({port:%d,address:"127.0.0.1",silent:true,directory:%q,configureBuckets:[%s]}).run().then(()=>console.log("ready"),e=>{console.error(e);process.exit(1)})`,
		dir, port, t.TempDir(), strings.Join(cfg, ","))
	startNode(t, node, script, "s3rver")
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// startNode runs a Node script that prints "ready" once it listens, and
// kills it when the test ends.
func startNode(t testing.TB, node, script, name string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "-e", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("peer: start %s: %v", name, err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "ready" {
				ready <- true
				break
			}
		}
		ready <- false
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("peer: %s exited before it listened", name)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("peer: %s did not listen within 30 s", name)
	}
}

// NodeScript returns the node binary and the environment (NODE_PATH set to
// .peers/node/node_modules) under which a CommonJS script can require the npm
// package module that make deps installed, or calls Missing.
func NodeScript(t testing.TB, module string) (node string, env []string) {
	t.Helper()
	node, _ = nodeModule(t, module)
	modules := filepath.Join(Root(t), ".peers", "node", "node_modules")
	return node, append(os.Environ(), "NODE_PATH="+modules)
}
