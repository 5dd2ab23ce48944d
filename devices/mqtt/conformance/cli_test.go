package conformance

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// mosquitto_sub/mosquitto_pub with -d print every packet; the lines kept
// are what the client received, without the client id and the packet
// identifier the broker chose.
var (
	cliKeep  = regexp.MustCompile(`received (CONNACK|SUBACK|PUBLISH|DISCONNECT)|Subscribed|denied|^[^C]`)
	cliMid   = regexp.MustCompile(`, m\d+,`)
	cliKinds = []string{cli}
)

// cli runs a Mosquitto client against the script's broker and returns the
// lines it printed that tell what it received.
func (s *script) cli(stdin string, bin string, args ...string) []string {
	out := s.cliCmd(stdin, bin, args...)
	return out()
}

// cliCmd starts a Mosquitto client; the function returned waits for it
// and returns its lines.
func (s *script) cliCmd(stdin string, bin string, args ...string) func() []string {
	sub, pub := peer.MosquittoClients(s.t)
	path := map[string]string{"sub": sub, "pub": pub}[bin]
	host, port, _ := net.SplitHostPort(s.b.addr())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	cmd := exec.CommandContext(ctx, path, append([]string{"-h", host, "-p", port}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		s.log("%s: %v", bin, err)
		return func() []string { return nil }
	}
	return func() []string {
		defer cancel()
		_ = cmd.Wait() // -W and -C end mosquitto_sub with statuses of their own
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if l == "" || !cliKeep.MatchString(l) {
				continue
			}
			if i := strings.Index(l, " received "); strings.HasPrefix(l, "Client ") && i > 0 {
				l = l[i+1:]
			}
			lines = append(lines, cliMid.ReplaceAllString(l, ","))
		}
		return lines
	}
}

func cliResume(v5 bool) func(s *script) {
	return func(s *script) {
		sub := []string{"-c", "-i", s.prefix + "-sub", "-q", "1", "-t", s.topic("alerts/#"), "-d", "-v", "-W", "1"}
		pub := []string{"-q", "1", "-t", s.topic("alerts/a"), "-l"}
		if v5 {
			sub = append(sub, "-V", "5", "-x", "3600")
			pub = append(pub, "-V", "5")
		}
		s.logAll("session", s.cli("", "sub", sub...))
		s.logAll("publish", s.cli("m1\nm2\nm3\nm4\nm5\n", "pub", pub...))
		s.logAll("resumed", s.cli("", "sub", sub...))
		s.logAll("again", s.cli("", "sub", sub...))
	}
}

var cliScenarios = []scenario{
	{name: "cli resume session", kinds: cliKinds, run: cliResume(false)},
	{name: "cli resume session v5", kinds: cliKinds, run: cliResume(true)},
	{name: "cli retained", kinds: cliKinds, run: func(s *script) {
		t := s.topic("r")
		s.cli("", "pub", "-q", "1", "-r", "-t", t, "-m", "one")
		s.cli("", "pub", "-q", "1", "-r", "-t", t, "-m", "two")
		s.logAll("retained", s.cli("", "sub", "-q", "1", "-t", t, "-d", "-v", "-W", "1"))
		s.cli("", "pub", "-q", "1", "-r", "-t", t, "-n")
		s.logAll("cleared", s.cli("", "sub", "-q", "1", "-t", t, "-d", "-v", "-W", "1"))
	}},
	{name: "cli will", kinds: cliKinds, run: func(s *script) {
		t := s.topic("will")
		w := s.clientOf(paho3, "watcher")
		w.connect(s.clean())
		s.log("watcher %s", w.subscribe(sub{filter: t, qos: 1}))
		sub, _ := peer.MosquittoClients(s.t)
		host, port, _ := net.SplitHostPort(s.b.addr())
		args := []string{sub, "-h", host, "-p", port, "-t", s.topic("x"), "-d",
			"--will-topic", t, "--will-payload", "gone", "--will-qos", "1"}
		// mosquitto_sub buffers what it prints into a pipe; stdbuf
		// (coreutils) has it write each line.
		if stdbuf, err := exec.LookPath("stdbuf"); err == nil {
			args = append([]string{stdbuf, "-oL"}, args...)
		}
		dying := exec.Command(args[0], args[1:]...)
		out, err := dying.StdoutPipe()
		if err != nil {
			s.log("mosquitto_sub: %v", err)
			return
		}
		if err := dying.Start(); err != nil {
			s.log("mosquitto_sub: %v", err)
			return
		}
		// Killed once subscribed, as a device that loses power.
		subscribed := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() && !strings.HasPrefix(sc.Text(), "Subscribed") {
			}
			close(subscribed)
			_, _ = io.Copy(io.Discard, out)
		}()
		select {
		case <-subscribed:
		case <-time.After(5 * time.Second):
			s.log("mosquitto_sub did not subscribe within 5 s")
		}
		_ = dying.Process.Signal(syscall.SIGKILL)
		_ = dying.Wait()
		s.logAll("watcher", w.received(quiet))
		w.disconnect()
	}},
}
