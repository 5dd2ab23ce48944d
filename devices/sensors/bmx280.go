package sensors

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"
)

// Buses a BME280 or BMP280 sits on.
const (
	BusI2C = "i2c"
	BusSPI = "spi"
	// BusSim is an emulated BME280 from firmware-sim: the real driver,
	// no pins needed.
	BusSim = "sim"
)

var bmx280Chip = i2cChip{name: "bme280/bmp280", addrs: []uint16{0x76, 0x77}}

// BMx280Config is a BME280's or BMP280's settings.
type BMx280Config struct {
	// Bus is i2c (default), spi or sim.
	Bus       string `yaml:"bus"`
	I2CConfig `yaml:",inline"`
	// SPIPort names the SPI port on bus spi: "/dev/spidev0.0" or "SPI0.0".
	SPIPort string `yaml:"spi_port"`
}

func init() {
	for _, name := range []string{"bme280", "bmp280"} {
		RegisterDriver(DriverType{
			Name:      name,
			NewConfig: func() DriverConfig { return new(BMx280Config) },
			Open: func(cfg DriverConfig, env Env) (Device, error) {
				return openBMx280(*cfg.(*BMx280Config), name == "bme280", env)
			},
		})
	}
}

func (c BMx280Config) bus() string {
	if c.Bus == "" {
		return BusI2C
	}
	return c.Bus
}

// Validate reports a bus the chips do not sit on, a missing SPI port and an
// address they do not answer on.
func (c *BMx280Config) Validate() error {
	var errs settingErrors
	switch c.bus() {
	case BusI2C, BusSim:
		c.I2CConfig.check(&errs, bmx280Chip)
		if c.SPIPort != "" {
			errs.add("spi_port", "applies to bus spi only")
		}
	case BusSPI:
		if c.SPIPort == "" {
			errs.add("spi_port", "is required on bus spi")
		}
		if c.Address != 0 || c.I2CConfig.Bus != "" {
			errs.add("address", "i2c_bus and address apply to bus i2c or sim only")
		}
	default:
		errs.add("bus", "%q: want i2c, spi or sim", c.Bus)
	}
	return errs.err()
}

// bmx280 is a Bosch BME280 (temperature, pressure, humidity) or BMP280 (no
// humidity), driven by periph's bmxx80 in forced mode: one conversion per poll,
// the chip sleeps in between.
type bmx280 struct {
	dev      *bmxx80.Dev
	bus      io.Closer
	humidity bool
}

func openBMx280(c BMx280Config, humidity bool, env Env) (Device, error) {
	var (
		dev *bmxx80.Dev
		bus io.Closer
		err error
	)
	switch c.bus() {
	case BusSPI:
		p, oerr := env.Hardware.OpenSPI(c.SPIPort)
		if oerr != nil {
			return nil, oerr
		}
		bus = p
		dev, err = bmxx80.NewSPI(p, &bmxx80.DefaultOpts)
	case BusSim:
		b := env.Sim.open(env.Sensor, c.address(bmx280Chip))
		bus = b
		dev, err = bmxx80.NewI2C(b, c.address(bmx280Chip), &bmxx80.DefaultOpts)
	default:
		b, oerr := env.Hardware.OpenI2C(c.I2CConfig.Bus)
		if oerr != nil {
			return nil, oerr
		}
		bus = b
		dev, err = bmxx80.NewI2C(b, c.address(bmx280Chip), &bmxx80.DefaultOpts)
	}
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	// The driver detects the chip; a BMP280 configured as bme280 would
	// silently report 0 % humidity, so say so instead.
	chip := strings.ToLower(strings.SplitN(dev.String(), "{", 2)[0])
	switch {
	case humidity && chip != "bme280":
		return nil, errors.Join(fmt.Errorf("chip is a %s, not a bme280", chip), bus.Close())
	case chip != "bme280" && chip != "bmp280":
		return nil, errors.Join(fmt.Errorf("chip is a %s, not a bme280/bmp280", chip), bus.Close())
	}
	return &bmx280{dev: dev, bus: bus, humidity: humidity}, nil
}

func (s *bmx280) Read() (Sample, error) {
	var e physic.Env
	if err := s.dev.Sense(&e); err != nil {
		return Sample{}, err
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

func (s *bmx280) Close() error {
	return errors.Join(s.dev.Halt(), s.bus.Close())
}
