package sensors

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/physic"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

// recorder collects what the poller emits and reports.
type recorder struct {
	mu       sync.Mutex
	readings map[string][]decode.Reading
	status   []statusEvent
	backoffs []time.Duration
	refuse   int // refuse this many Emit calls
	changed  chan struct{}
}

type statusEvent struct {
	device string
	online bool
	err    error
}

func newRecorder() *recorder {
	return &recorder{readings: map[string][]decode.Reading{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) emit(_ context.Context, stream string, rd decode.Reading) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.poke()
	if stream != "sensors" {
		return errors.New("wrong stream " + stream)
	}
	if r.refuse > 0 {
		r.refuse--
		return errors.New("ingest: disk full")
	}
	r.readings[rd.Device] = append(r.readings[rd.Device], rd)
	return nil
}

func (r *recorder) onStatus(device string, online bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = append(r.status, statusEvent{device, online, err})
	r.poke()
}

func (r *recorder) backoff(failures int) time.Duration {
	d := DefaultBackoff(failures)
	r.mu.Lock()
	r.backoffs = append(r.backoffs, d)
	r.mu.Unlock()
	return d
}

// waitFor polls cond under the lock until it holds or 10 s pass.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (r *recorder) statusOf(device string) []bool {
	var s []bool
	for _, e := range r.status {
		if e.device == device {
			s = append(s, e.online)
		}
	}
	return s
}

func TestPollerOfflineOnline(t *testing.T) {
	before := runtime.NumGoroutine()
	broken := errors.New("wire cut")
	env := bme280.Env{Temperature: physic.ZeroCelsius + 20*physic.Kelvin, Pressure: 1000 * 100 * physic.Pascal, Humidity: 50 * physic.PercentRH}
	flaky := bme280.New(0x76, env)
	flaky.Fail(broken)
	healthy := bme280.New(0x76, env)
	rec := newRecorder()
	p, err := New([]Config{
		simSensor("flaky", 10*time.Second),
		simSensor("healthy", 10*time.Second),
	}, Deps{
		Emit: rec.emit, Status: rec.onStatus, Backoff: rec.backoff, Clock: fastClock{},
		Sim:          simWith(map[string]*bme280.Chip{"flaky": flaky, "healthy": healthy}),
		OfflineAfter: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}

	// The broken sensor goes offline after 3 failures, with the error, and
	// keeps retrying with a growing backoff.
	rec.waitFor(t, "flaky offline and 6 retries", func() bool {
		return len(rec.statusOf("flaky")) == 1 && len(rec.backoffs) >= 6
	})
	rec.mu.Lock()
	for _, e := range rec.status {
		// bmxx80 wraps with %v, so the cause is in the text only.
		if e.device == "flaky" && (e.online || e.err == nil || !strings.Contains(e.err.Error(), broken.Error())) {
			t.Errorf("flaky status %+v, want offline with %v", e, broken)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second}
	for i, w := range want {
		if rec.backoffs[i] != w {
			t.Errorf("backoff %d = %s, want %s (all: %v)", i+1, rec.backoffs[i], w, rec.backoffs)
		}
	}
	rec.mu.Unlock()
	// The healthy sensor keeps its pace while the other is offline.
	rec.waitFor(t, "healthy readings during the outage", func() bool {
		return len(rec.readings["healthy"]) >= 5
	})
	rec.mu.Lock()
	if n := len(rec.readings["flaky"]); n != 0 {
		t.Errorf("flaky emitted %d readings while broken", n)
	}
	if got := rec.statusOf("flaky"); len(got) != 1 {
		t.Errorf("flaky statuses %v during the outage, want one offline", got)
	}
	rec.mu.Unlock()

	// Fixed: online again by itself, and reading.
	flaky.Fail(nil)
	rec.waitFor(t, "flaky online and reading", func() bool {
		return len(rec.statusOf("flaky")) == 2 && len(rec.readings["flaky"]) > 0
	})
	rec.mu.Lock()
	if got := rec.statusOf("flaky"); !got[1] {
		t.Errorf("flaky statuses %v, want offline then online", got)
	}
	if got := rec.statusOf("healthy"); len(got) != 1 || !got[0] {
		t.Errorf("healthy statuses %v, want one online", got)
	}
	if r := rec.readings["flaky"][0]; string(r.Data) != `{"humidity_pct":50,"pressure_hpa":1000,"temperature_c":20}` || r.Values["temperature_c"] != 20.0 || r.Time.IsZero() {
		t.Errorf("flaky reading %s %v %v", r.Data, r.Values, r.Time)
	}
	rec.mu.Unlock()

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	n := len(rec.readings["healthy"])
	rec.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	rec.mu.Lock()
	if len(rec.readings["healthy"]) != n {
		t.Error("readings after Close")
	}
	rec.mu.Unlock()
	if err := p.Start(context.Background()); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after Close: %v", err)
	}
	waitGoroutines(t, before)
}

func TestPollerRetriesRefusedReadings(t *testing.T) {
	rec := newRecorder()
	rec.refuse = 3
	p, err := New([]Config{simSensor("room", 10*time.Second)}, Deps{
		Emit: rec.emit, Clock: fastClock{}, Hardware: &testHW{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// Polls 1–3 are refused; poll 4 delivers all four, oldest first.
	rec.waitFor(t, "four readings", func() bool { return len(rec.readings["room"]) >= 4 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rs := rec.readings["room"]
	for i := 1; i < len(rs); i++ {
		if rs[i].Time.Before(rs[i-1].Time) {
			t.Errorf("reading %d (%s) before reading %d (%s)", i, rs[i].Time, i-1, rs[i-1].Time)
		}
	}
}

func TestPollerMaxPending(t *testing.T) {
	rec := newRecorder()
	rec.refuse = 1 << 30
	p, err := New([]Config{simSensor("room", time.Second)}, Deps{
		Emit: rec.emit, Clock: fastClock{}, MaxPending: 2, Hardware: &testHW{},
	})
	if err != nil {
		t.Fatal(err)
	}
	var l *loop
	l = &loop{p: p, c: p.cfgs[0], log: p.deps.Logger}
	for i := range 5 {
		l.queue(decode.Reading{Device: "room", Time: time.Unix(int64(i), 0)})
	}
	if len(l.pending) != 2 || l.dropped != 3 || l.pending[0].Time.Unix() != 3 {
		t.Errorf("pending %v dropped %d, want the newest two and 3 dropped", l.pending, l.dropped)
	}
}

func TestExponentialBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second},
		{7, time.Minute}, {8, time.Minute}, {1000, time.Minute},
	}
	for _, tt := range tests {
		if got := DefaultBackoff(tt.failures); got != tt.want {
			t.Errorf("DefaultBackoff(%d) = %s, want %s", tt.failures, got, tt.want)
		}
	}
}

func TestPollerStopsWithContext(t *testing.T) {
	before := runtime.NumGoroutine()
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	broken := bme280.New(0x76, DefaultSimEnv())
	broken.Fail(errors.New("gone"))
	p, err := New([]Config{
		simSensor("gone", time.Second),
		simSensor("room", time.Second),
	}, Deps{Emit: rec.emit, Clock: fastClock{}, Hardware: &testHW{}, Sim: simWith(map[string]*bme280.Chip{"gone": broken})})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "a reading", func() bool { return len(rec.readings["room"]) > 0 })
	cancel()
	p.Close()
	waitGoroutines(t, before)
}

// simSensor is a BME280 on bus: sim polled into stream sensors.
func simSensor(name string, every time.Duration) Config {
	return Config{Name: name, Type: "bme280", Driver: &BMx280Config{Bus: BusSim}, Interval: every, Stream: "sensors"}
}

// simWith is a Sim with chips placed, the others created on first use.
func simWith(chips map[string]*bme280.Chip) *Sim {
	s := NewSim(DefaultSimEnv())
	for name, c := range chips {
		s.Place(name, c)
	}
	return s
}

// waitGoroutines fails unless the goroutine count drops back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
