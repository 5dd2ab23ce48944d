package sensors

import (
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"

	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

// DefaultSimEnv is what an emulated chip senses until told otherwise: a
// mild indoor day at sea level.
func DefaultSimEnv() bme280.Env {
	return bme280.Env{
		Temperature: physic.ZeroCelsius + 21500*physic.MilliKelvin,
		Pressure:    101325 * physic.Pascal,
		Humidity:    45 * physic.PercentRH,
	}
}

// Sim holds the emulated chips of bus: sim, one per sensor name, for as long
// as whoever polls the sensors keeps it, so that a sensor that closes its bus
// after a failure and opens it again finds the same chip, as it would on a
// real board. It is safe for concurrent use.
type Sim struct {
	env   bme280.Env
	mu    sync.Mutex
	chips map[string]*bme280.Chip
}

// NewSim returns a Sim whose chips, created on first use, sense env.
func NewSim(env bme280.Env) *Sim {
	return &Sim{env: env, chips: map[string]*bme280.Chip{}}
}

// Place puts chip where sensor name will find it, as a test or a demo wires
// a chip of its own (at another address, failing, in another climate).
func (s *Sim) Place(name string, chip *bme280.Chip) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chips[name] = chip
}

// open returns a handle on sensor name's chip, creating it at addr.
func (s *Sim) open(name string, addr uint16) i2c.BusCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chips[name]
	if !ok {
		c = bme280.New(addr, s.env)
		s.chips[name] = c
	}
	return simHandle{c}
}

// simHandle is one open handle on a chip: closing it leaves the chip
// powered for the next open. The chip is a BME280; it also serves driver
// bmp280, which then leaves humidity out.
type simHandle struct{ i2c.Bus }

func (simHandle) Close() error { return nil }
