package conformance

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the scenarios eight at a time unless -parallel says
// otherwise: they mostly wait for messages that do not come.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == fmt.Sprint(runtime.GOMAXPROCS(0)) {
		_ = flag.Set("test.parallel", "8")
	}
	code := m.Run()
	if built != "" {
		os.RemoveAll(strings.TrimSuffix(built, "/tidegate"))
	}
	os.Exit(code)
}

// scenario is one thing a client does, written once and run with each of
// its kinds of client against both brokers.
type scenario struct {
	name  string
	kinds []string
	// restart: the scenario restarts its broker, so it gets brokers of
	// its own.
	restart bool
	run     func(s *script)
}

// script is one run of a scenario: against one broker, with one kind of
// client. It writes down what the clients observe.
type script struct {
	t      *testing.T
	kind   string
	b      broker
	prefix string

	mu    sync.Mutex
	lines []string
	py    *pyProcess // started at the first Python client
}

// quiet is how long a client waits for one more message before it takes
// what it has: long enough for a broker on a busy machine (the matrix
// runs eight scenarios at once on two cores, under the race detector in
// make test).
const quiet = 500 * time.Millisecond

// client opens a client of the script's kind, with a client id of the
// scenario's.
func (s *script) client(role string) client {
	return s.clientOf(s.kind, role)
}

func (s *script) clientOf(kind, role string) client {
	id := s.prefix + "-" + role
	switch kind {
	case paho3:
		return newPahoV3(s.b.addr(), id)
	case paho5:
		return newPahoV5(s.b.addr(), id)
	case py3, py5:
		s.mu.Lock()
		if s.py == nil {
			s.py = startPython(s.t)
		}
		s.mu.Unlock()
		return newPy(s.py, s.b.addr(), id, version(kind))
	case raw3:
		return newRaw(s.b.addr(), id, 4)
	case raw5:
		return newRaw(s.b.addr(), id, 5)
	}
	s.t.Fatalf("no client of kind %q", kind)
	return nil
}

// raw opens a raw client of the script's protocol version.
func (s *script) raw(role string) *rawClient {
	return newRaw(s.b.addr(), s.prefix+"-"+role, version(s.kind))
}

// topic names a topic of the scenario's own.
func (s *script) topic(rel string) string { return s.prefix + "/" + rel }

// log writes a line of the transcript.
func (s *script) log(format string, args ...any) {
	s.mu.Lock()
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// logAll writes what a client received, each line after what.
func (s *script) logAll(what string, lines []string) {
	if len(lines) == 0 {
		s.log("%s: nothing", what)
	}
	for _, l := range lines {
		s.log("%s: %s", what, l)
	}
}

// restart restarts the broker: the gateway with sig, Mosquitto always
// gracefully.
func (s *script) restart(sig syscall.Signal) { s.b.restart(s.t, sig) }

func TestConformance(t *testing.T) {
	mosq := startMosquitto(t)
	gw := startGateway(t)
	for _, sc := range scenarios {
		for _, kind := range sc.kinds {
			t.Run(sc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				var m, g broker = mosq, gw
				if sc.restart {
					m, g = startMosquitto(t), startGateway(t)
				}
				runBoth(t, sc, kind, m, g)
			})
		}
	}
}

// runBoth runs a scenario against Mosquitto and the gateway at once and
// compares the transcripts.
func runBoth(t *testing.T, sc scenario, kind string, mosq, gw broker) {
	prefix := "conf/" + sc.name + "/" + kind
	prefix = strings.NewReplacer(" ", "-", "$", "").Replace(prefix)
	scripts := [2]*script{{t: t, kind: kind, b: mosq, prefix: prefix}, {t: t, kind: kind, b: gw, prefix: prefix}}
	var wg sync.WaitGroup
	for _, s := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.run(s)
		}()
	}
	wg.Wait()
	want, got := scripts[0].lines, scripts[1].lines
	same := slices.Equal(want, got)
	d, listed := listedDifference(sc.name, kind)
	switch {
	case same && listed:
		t.Errorf("listed difference is gone (%s): remove it from the table\n%s", d.reason, strings.Join(got, "\n"))
	case !same && listed:
		t.Logf("listed difference: %s\n%s", d.reason, diff(want, got))
	case !same:
		t.Errorf("the gateway differs from Mosquitto:\n%s", diff(want, got))
	}
}

// diff shows the two transcripts line by line.
func diff(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		w, g := "", ""
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		mark := "  "
		if w != g {
			mark = "≠ "
		}
		fmt.Fprintf(&b, "%smosquitto: %-50s gateway: %s\n", mark, w, g)
	}
	return b.String()
}
