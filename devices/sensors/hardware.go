package sensors

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewirereg"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"
)

// Hardware opens the buses and pins sensors sit on. Each sensor opens its
// own handle and closes it when it stops or fails, so a handle is never
// shared between goroutines.
type Hardware interface {
	OpenI2C(bus string) (i2c.BusCloser, error)
	OpenSPI(port string) (spi.PortCloser, error)
	OpenOneWire(bus string) (onewire.BusCloser, error)
	// Pin returns a GPIO pin by name ("GPIO17").
	Pin(name string) (gpio.PinIO, error)
}

// Host is the real hardware, through periph's host drivers (sysfs I²C and
// SPI, GPIO character device, 1-Wire over netlink). It initialises them on
// first use, so a gateway without sensors never touches /dev.
func Host() Hardware { return &hostHardware{} }

type hostHardware struct {
	once sync.Once
	err  error
}

func (h *hostHardware) init() error {
	h.once.Do(func() {
		if _, err := host.Init(); err != nil {
			h.err = fmt.Errorf("sensors: periph host init: %w", err)
		}
	})
	return h.err
}

func (h *hostHardware) OpenI2C(bus string) (i2c.BusCloser, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	return i2creg.Open(bus)
}

func (h *hostHardware) OpenSPI(port string) (spi.PortCloser, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	return spireg.Open(port)
}

func (h *hostHardware) OpenOneWire(bus string) (onewire.BusCloser, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	return onewirereg.Open(bus)
}

func (h *hostHardware) Pin(name string) (gpio.PinIO, error) {
	if err := h.init(); err != nil {
		return nil, err
	}
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("sensors: no GPIO pin %q on this host", name)
	}
	return p, nil
}
