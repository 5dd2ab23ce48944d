package sensors

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
)

// edgePin is a fake input pin whose edges the test delivers, each with the
// time it happens; the pin sets the clock to that time as the edge wakes the
// waiter, so debounce decisions are deterministic.
//
// periph's gpiotest.Pin would do, but it imports jonboulle/clockwork, which
// go.sum does not list yet.
type edgePin struct {
	clock *manualClock
	edges chan edgeAt
	waits atomic.Int32 // WaitForEdge calls so far

	mu    sync.Mutex
	level gpio.Level
	pull  gpio.Pull
	edge  gpio.Edge
}

type edgeAt struct {
	level gpio.Level
	at    time.Time
}

func newEdgePin(clock *manualClock) *edgePin {
	return &edgePin{clock: clock, edges: make(chan edgeAt)}
}

func (p *edgePin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pull, p.edge = pull, edge
	return nil
}

func (p *edgePin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

func (p *edgePin) set(l gpio.Level) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.level = l
}

func (p *edgePin) WaitForEdge(timeout time.Duration) bool {
	p.waits.Add(1)
	select {
	case e := <-p.edges:
		p.clock.set(e.at)
		p.set(e.level)
		return true
	case <-time.After(timeout):
		return false
	}
}

// deliver sends edges and waits until the counter has handled the last.
func (p *edgePin) deliver(t *testing.T, edges ...edgeAt) {
	t.Helper()
	for _, e := range edges {
		p.edges <- e
	}
	want := p.waits.Load() + 1
	deadline := time.Now().Add(5 * time.Second)
	for p.waits.Load() < want {
		if time.Now().After(deadline) {
			t.Fatal("edge counter did not take the edges")
		}
		time.Sleep(time.Millisecond)
	}
}

func (p *edgePin) Pull() gpio.Pull                       { return p.pull }
func (p *edgePin) DefaultPull() gpio.Pull                { return gpio.Float }
func (p *edgePin) Out(l gpio.Level) error                { p.set(l); return nil }
func (p *edgePin) PWM(gpio.Duty, physic.Frequency) error { return nil }
func (p *edgePin) String() string                        { return "GPIO17" }
func (p *edgePin) Name() string                          { return "GPIO17" }
func (p *edgePin) Number() int                           { return 17 }
func (p *edgePin) Function() string                      { return "In" }
func (p *edgePin) Halt() error                           { return nil }
func (p *edgePin) Func() pin.Func                        { return gpio.IN }
func (p *edgePin) SupportedFuncs() []pin.Func            { return []pin.Func{gpio.IN} }
func (p *edgePin) SetFunc(pin.Func) error                { return nil }

var _ gpio.PinIO = (*edgePin)(nil)

func TestGPIOCount(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	hi, lo := gpio.High, gpio.Low
	type poll struct {
		edges        []edgeAt
		count, delta uint64
	}
	tests := []struct {
		name     string
		edge     string
		debounce time.Duration
		polls    []poll
	}{
		{
			name: "rising, no debounce", edge: "rising",
			polls: []poll{
				{edges: []edgeAt{{hi, ms(0)}, {lo, ms(1)}, {hi, ms(2)}}, count: 2, delta: 2},
				{edges: []edgeAt{{hi, ms(3)}}, count: 3, delta: 1},
				{count: 3, delta: 0},
			},
		},
		{
			// A reed switch bounces for a few ms after each close.
			name: "rising, 10ms debounce swallows bounces", edge: "rising", debounce: 10 * time.Millisecond,
			polls: []poll{
				{edges: []edgeAt{{hi, ms(0)}, {lo, ms(1)}, {hi, ms(2)}, {lo, ms(3)}, {hi, ms(4)}}, count: 1, delta: 1},
				{edges: []edgeAt{{lo, ms(50)}, {hi, ms(100)}, {lo, ms(101)}, {hi, ms(109)}, {hi, ms(110)}}, count: 3, delta: 2},
			},
		},
		{
			name: "falling", edge: "falling", debounce: 15 * time.Millisecond,
			polls: []poll{
				{edges: []edgeAt{{hi, ms(0)}, {lo, ms(10)}, {hi, ms(20)}, {lo, ms(22)}, {lo, ms(30)}}, count: 2, delta: 2},
			},
		},
		{
			name: "both", edge: "both", debounce: 5 * time.Millisecond,
			polls: []poll{
				{edges: []edgeAt{{hi, ms(0)}, {lo, ms(10)}, {hi, ms(12)}, {lo, ms(20)}}, count: 3, delta: 3},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &manualClock{now: t0}
			p := newEdgePin(clock)
			cfg := Config{Name: "meter", Type: "gpio", Driver: &GPIOConfig{Pin: "GPIO17", Mode: "count", Edge: tt.edge, Debounce: tt.debounce, Pull: "up"}, Stream: "s", Interval: time.Second}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			s, err := open(cfg, (&testHW{pins: map[string]gpio.PinIO{"GPIO17": p}}).env(clock))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if p.pull != gpio.PullUp || p.edge != edges[tt.edge] {
				t.Errorf("pin configured %s/%s", p.pull, p.edge)
			}
			for i, pl := range tt.polls {
				p.deliver(t, pl.edges...)
				smp, err := s.Read()
				if err != nil {
					t.Fatal(err)
				}
				if smp.Data["count"] != pl.count || smp.Data["delta"] != pl.delta {
					t.Errorf("poll %d: %v, want count %d delta %d", i, smp.Data, pl.count, pl.delta)
				}
			}
		})
	}
}

func TestGPIOLevel(t *testing.T) {
	clock := &manualClock{}
	p := newEdgePin(clock)
	cfg := Config{Name: "door", Type: "gpio", Driver: &GPIOConfig{Pin: "GPIO17"}, Stream: "s", Interval: time.Second}
	s, err := open(cfg, (&testHW{pins: map[string]gpio.PinIO{"GPIO17": p}}).env(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, l := range []gpio.Level{gpio.High, gpio.Low, gpio.High} {
		p.set(l)
		smp, err := s.Read()
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if l {
			want = 1
		}
		if smp.Data["level"] != want {
			t.Errorf("level %v: read %v", l, smp.Data)
		}
	}
}
