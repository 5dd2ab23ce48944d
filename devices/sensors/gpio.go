package sensors

import (
	"cmp"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// edgeWait bounds each WaitForEdge so a counter notices Close.
const edgeWait = 200 * time.Millisecond

var pulls = map[string]gpio.Pull{"none": gpio.Float, "up": gpio.PullUp, "down": gpio.PullDown}

var edges = map[string]gpio.Edge{"rising": gpio.RisingEdge, "falling": gpio.FallingEdge, "both": gpio.BothEdges}

// GPIOConfig is a GPIO input's settings.
type GPIOConfig struct {
	// Pin is the pin's name, e.g. "GPIO17".
	Pin string `yaml:"pin"`
	// Mode is level (default) or count.
	Mode string `yaml:"mode"`
	// Edge is rising (default), falling or both, for mode count.
	Edge string `yaml:"edge"`
	// Pull is none (default), up or down.
	Pull string `yaml:"pull"`
	// Debounce ignores edges closer than this to the last counted one, for
	// mode count.
	Debounce time.Duration `yaml:"debounce"`
}

func init() {
	RegisterDriver(DriverType{
		Name:      "gpio",
		NewConfig: func() DriverConfig { return new(GPIOConfig) },
		Open: func(cfg DriverConfig, env Env) (Device, error) {
			return openGPIO(*cfg.(*GPIOConfig), env)
		},
	})
}

func (c GPIOConfig) mode() string { return cmp.Or(c.Mode, "level") }
func (c GPIOConfig) edge() string { return cmp.Or(c.Edge, "rising") }
func (c GPIOConfig) pull() string { return cmp.Or(c.Pull, "none") }

// Validate reports a missing pin and settings that do not go together.
func (c *GPIOConfig) Validate() error {
	var errs settingErrors
	if c.Pin == "" {
		errs.add("pin", "is required (e.g. GPIO17)")
	}
	switch c.mode() {
	case "count":
		if _, ok := edges[c.edge()]; !ok {
			errs.add("edge", "%q: want rising, falling or both", c.Edge)
		}
		if c.Debounce < 0 {
			errs.add("debounce", "must be >= 0, got %s", c.Debounce)
		}
	case "level":
		if c.Edge != "" || c.Debounce != 0 {
			errs.add("mode", "edge and debounce apply to mode count only")
		}
	default:
		errs.add("mode", "%q: want level or count", c.Mode)
	}
	if _, ok := pulls[c.pull()]; !ok {
		errs.add("pull", "%q: want none, up or down", c.Pull)
	}
	return errs.err()
}

// gpioSensor reads a pin's level, or counts its edges in a goroutine of its
// own so no pulse between two polls is missed.
type gpioSensor struct {
	pin   gpio.PinIn
	count bool

	mu       sync.Mutex
	total    uint64 // edges counted since open
	reported uint64 // total at the last read

	stop chan struct{}
	done chan struct{}
}

func openGPIO(c GPIOConfig, env Env) (Device, error) {
	p, err := env.Hardware.Pin(c.Pin)
	if err != nil {
		return nil, err
	}
	s := &gpioSensor{pin: p, count: c.mode() == "count"}
	if !s.count {
		if err := p.In(pulls[c.pull()], gpio.NoEdge); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := p.In(pulls[c.pull()], edges[c.edge()]); err != nil {
		return nil, err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	f := &edgeFilter{edge: edges[c.edge()], debounce: c.Debounce}
	go s.watch(f, env.Clock.Now)
	return s, nil
}

func (s *gpioSensor) watch(f *edgeFilter, now func() time.Time) {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		if !s.pin.WaitForEdge(edgeWait) {
			continue
		}
		if f.accept(s.pin.Read(), now()) {
			s.mu.Lock()
			s.total++
			s.mu.Unlock()
		}
	}
}

// read returns {"level":0|1}, or {"count":total,"delta":since last read}.
func (s *gpioSensor) Read() (Sample, error) {
	if !s.count {
		level := 0
		if s.pin.Read() == gpio.High {
			level = 1
		}
		return flatSample(map[string]any{"level": level}), nil
	}
	s.mu.Lock()
	total, delta := s.total, s.total-s.reported
	s.reported = s.total
	s.mu.Unlock()
	return flatSample(map[string]any{"count": total, "delta": delta}), nil
}

func (s *gpioSensor) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	return s.pin.Halt()
}

// edgeFilter decides which edges count. It checks the level after the edge
// (a driver or a bounce may wake the waiter for the other edge) and ignores
// edges closer than debounce to the last counted one, so a bouncing contact
// counts once.
type edgeFilter struct {
	edge     gpio.Edge
	debounce time.Duration

	last    time.Time
	counted bool
}

func (f *edgeFilter) accept(l gpio.Level, at time.Time) bool {
	switch f.edge {
	case gpio.RisingEdge:
		if l != gpio.High {
			return false
		}
	case gpio.FallingEdge:
		if l != gpio.Low {
			return false
		}
	}
	if f.counted && at.Sub(f.last) < f.debounce {
		return false
	}
	f.last, f.counted = at, true
	return true
}
