package sensors

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"
)

// bmx280 is a Bosch BME280 (temperature, pressure, humidity) or BMP280 (no
// humidity), driven by periph's bmxx80 in forced mode: one conversion per poll,
// the chip sleeps in between.
type bmx280 struct {
	dev      *bmxx80.Dev
	bus      io.Closer
	humidity bool
}

func openBMx280(c Config, hw Hardware) (sensor, error) {
	var (
		dev *bmxx80.Dev
		bus io.Closer
		err error
	)
	switch c.Bus {
	case BusSPI:
		p, oerr := hw.OpenSPI(c.SPIPort)
		if oerr != nil {
			return nil, oerr
		}
		bus = p
		dev, err = bmxx80.NewSPI(p, &bmxx80.DefaultOpts)
	case BusSim:
		b, oerr := hw.OpenSim(c)
		if oerr != nil {
			return nil, oerr
		}
		bus = b
		dev, err = bmxx80.NewI2C(b, c.Address, &bmxx80.DefaultOpts)
	default:
		b, oerr := hw.OpenI2C(c.I2CBus)
		if oerr != nil {
			return nil, oerr
		}
		bus = b
		dev, err = bmxx80.NewI2C(b, c.Address, &bmxx80.DefaultOpts)
	}
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	// The driver detects the chip; a BMP280 configured as bme280 would
	// silently report 0 % humidity, so say so instead.
	chip := strings.ToLower(strings.SplitN(dev.String(), "{", 2)[0])
	switch {
	case c.Driver == DriverBME280 && chip != DriverBME280:
		return nil, errors.Join(fmt.Errorf("chip is a %s, not a bme280", chip), bus.Close())
	case chip != DriverBME280 && chip != DriverBMP280:
		return nil, errors.Join(fmt.Errorf("chip is a %s, not a bme280/bmp280", chip), bus.Close())
	}
	return &bmx280{dev: dev, bus: bus, humidity: c.Driver == DriverBME280}, nil
}

func (s *bmx280) read() (sample, error) {
	var e physic.Env
	if err := s.dev.Sense(&e); err != nil {
		return sample{}, err
	}
	m := map[string]any{
		"temperature_c": celsius(e.Temperature),
		"pressure_hpa":  hectopascal(e.Pressure),
	}
	if s.humidity {
		m["humidity_pct"] = percentRH(e.Humidity)
	}
	return flatSample(m), nil
}

func (s *bmx280) close() error {
	return errors.Join(s.dev.Halt(), s.bus.Close())
}
