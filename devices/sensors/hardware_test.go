package sensors

import (
	"errors"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/spi"

	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

var errNoHW = errors.New("no such hardware in this test")

// testHW is Hardware made of emulated chips, playback buses and fake pins.
type testHW struct {
	i2c     map[string]i2c.BusCloser     // by bus name
	onewire map[string]onewire.BusCloser // by bus name
	spi     map[string]spi.PortCloser    // by port name
	sim     map[string]*bme280.Chip      // by sensor name, for bus: sim
	pins    map[string]gpio.PinIO
}

// env is what a driver opens this hardware with, its sim chips placed.
func (h *testHW) env(clk Clock) Env {
	sim := NewSim(DefaultSimEnv())
	for name, chip := range h.sim {
		sim.Place(name, chip)
	}
	return Env{Hardware: h, Sim: sim, Clock: clk}
}

func (h *testHW) OpenI2C(bus string) (i2c.BusCloser, error) {
	if b, ok := h.i2c[bus]; ok {
		return b, nil
	}
	return nil, errNoHW
}
func (h *testHW) OpenSPI(port string) (spi.PortCloser, error) {
	if p, ok := h.spi[port]; ok {
		return p, nil
	}
	return nil, errNoHW
}
func (h *testHW) OpenOneWire(bus string) (onewire.BusCloser, error) {
	if b, ok := h.onewire[bus]; ok {
		return b, nil
	}
	return nil, errNoHW
}
func (h *testHW) Pin(name string) (gpio.PinIO, error) {
	if p, ok := h.pins[name]; ok {
		return p, nil
	}
	return nil, errNoHW
}

// fastClock runs timers a thousand times faster than real time, so a
// backoff of one minute takes 60 ms.
type fastClock struct{}

func (fastClock) Now() time.Time                         { return time.Now() }
func (fastClock) After(d time.Duration) <-chan time.Time { return time.After(d / 1000) }

// manualClock is a clock the test sets; After never fires.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
func (c *manualClock) After(time.Duration) <-chan time.Time { return nil }
