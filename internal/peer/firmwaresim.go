package peer

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// buildSim builds firmware-sim once per test binary, into the user's cache
// (replaced atomically, so that test binaries running at once do not
// trip over each other), and returns its path.
var buildSim = sync.OnceValues(func() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "tidegate-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "firmware-sim-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-o", tmp.Name(), "./firmware-sim/cmd/firmware-sim")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("go build firmware-sim: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "firmware-sim")
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", err
	}
	return bin, nil
})

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = up
	}
}

// FirmwareSim returns the path of the firmware-sim command, built from
// this repository (with the go command that runs the tests).
func FirmwareSim(t testing.TB) string {
	t.Helper()
	bin, err := buildSim()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// SimCamera is a `firmware-sim camera` process.
type SimCamera struct {
	Cmd *exec.Cmd
	URL string // rtsp://host:port/stream, with --rtsp-listen
}

var servingURL = regexp.MustCompile(`msg="camera serving" url=(\S+)`)

// StartSimCamera runs `firmware-sim camera` with args and, when it serves
// (--rtsp-listen), waits for its URL. The process is killed when the test
// ends; its log goes to the test's log.
func StartSimCamera(t testing.TB, args ...string) *SimCamera {
	t.Helper()
	cmd := exec.Command(FirmwareSim(t), append([]string{"camera"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	c := &SimCamera{Cmd: cmd}
	serving := false
	for _, a := range args {
		serving = serving || a == "--rtsp-listen"
	}
	if !serving {
		go io.Copy(io.Discard, stderr)
		return c
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("firmware-sim camera exited before it served")
		}
		c.URL = u
	case <-time.After(30 * time.Second):
		t.Fatal("firmware-sim camera did not serve within 30 s")
	}
	return c
}
