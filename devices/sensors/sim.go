package sensors

import (
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"

	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

// SimEnv is the environment an emulated chip senses until told otherwise: a
// mild indoor day at sea level.
var SimEnv = bme280.Env{
	Temperature: physic.ZeroCelsius + 21500*physic.MilliKelvin,
	Pressure:    101325 * physic.Pascal,
	Humidity:    45 * physic.PercentRH,
}

// simChips holds one emulated chip per sensor name for the process's life,
// so a sensor that closes its bus after a failure and opens it again finds
// the same chip, as it would on a real board.
type simChips struct {
	mu    sync.Mutex
	chips map[string]*bme280.Chip
}

var hostSim simChips

// chip returns the emulated chip for sensor name, creating it at addr.
func (s *simChips) chip(name string, addr uint16) *bme280.Chip {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chips == nil {
		s.chips = map[string]*bme280.Chip{}
	}
	c, ok := s.chips[name]
	if !ok {
		c = bme280.New(addr, SimEnv)
		s.chips[name] = c
	}
	return c
}

// simHandle is one open handle on a chip: closing it leaves the chip
// powered for the next open. The chip is a BME280; it also serves driver
// bmp280, which then leaves humidity out.
type simHandle struct{ i2c.Bus }

func (simHandle) Close() error { return nil }
