package sensors

import (
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// edgeWait bounds each WaitForEdge so a counter notices Close.
const edgeWait = 200 * time.Millisecond

var pulls = map[string]gpio.Pull{"none": gpio.Float, "up": gpio.PullUp, "down": gpio.PullDown}

var edges = map[string]gpio.Edge{"rising": gpio.RisingEdge, "falling": gpio.FallingEdge, "both": gpio.BothEdges}

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

func openGPIO(c Config, hw Hardware, clk Clock) (sensor, error) {
	p, err := hw.Pin(c.Pin)
	if err != nil {
		return nil, err
	}
	s := &gpioSensor{pin: p, count: c.Mode == "count"}
	if !s.count {
		if err := p.In(pulls[c.Pull], gpio.NoEdge); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := p.In(pulls[c.Pull], edges[c.Edge]); err != nil {
		return nil, err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	f := &edgeFilter{edge: edges[c.Edge], debounce: c.Debounce}
	go s.watch(f, clk.Now)
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
func (s *gpioSensor) read() (sample, error) {
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

func (s *gpioSensor) close() error {
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
