package sensors

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// ErrConfig is wrapped by every validation error.
var ErrConfig = errors.New("sensors: invalid config")

// Config is one sensor.
type Config struct {
	// Name is the device id: the record's partition key.
	Name string `yaml:"name"`
	// Driver is bme280, bmp280, ds18b20, ads1115, aht20, scd4x or gpio.
	Driver string `yaml:"driver"`
	// Bus is i2c, spi, onewire, gpio or sim (an emulated chip, bme280/bmp280).
	Bus string `yaml:"bus"`
	// I2CBus names the I²C bus: "1", "I2C1" or "/dev/i2c-1"; "" is the
	// host's first bus.
	I2CBus string `yaml:"i2c_bus"`
	// SPIPort names the SPI port: "/dev/spidev0.0" or "SPI0.0".
	SPIPort string `yaml:"spi_port"`
	// OneWireBus names the 1-Wire bus; "" is the host's first bus.
	OneWireBus string `yaml:"onewire_bus"`
	// Pin is the GPIO pin, e.g. "GPIO17".
	Pin string `yaml:"pin"`
	// Address is the 7-bit I²C address; 0 means the driver's default.
	Address uint16 `yaml:"address"`
	// Interval is the poll period.
	Interval time.Duration `yaml:"interval"`
	// Stream receives the readings.
	Stream string `yaml:"stream"`

	// Channels are the ADS1115 inputs to read.
	Channels []Channel `yaml:"channels"`

	// Mode is level (default) or count, for gpio.
	Mode string `yaml:"mode"`
	// Edge is rising (default), falling or both, for gpio count.
	Edge string `yaml:"edge"`
	// Pull is none (default), up or down, for gpio.
	Pull string `yaml:"pull"`
	// Debounce ignores edges closer than this to the last counted one.
	Debounce time.Duration `yaml:"debounce"`

	// OneWireAddress is the DS18B20's 64-bit ROM id, as 16 hex digits
	// ("0x3c0000000a1b2c28", family code in the low byte, as periph prints
	// it) or as Linux names it in /sys/bus/w1/devices ("28-00000a1b2c3c").
	OneWireAddress string `yaml:"onewire_address"`
	// Resolution is the DS18B20 resolution in bits, 9..12 (default 12).
	Resolution int `yaml:"resolution"`
}

// Channel is one ADS1115 input scaled to engineering units:
// value = volts × Scale + Offset.
type Channel struct {
	Name string `yaml:"name"`
	// Input is "0".."3" (against GND) or "0-1", "0-3", "1-3", "2-3".
	Input string `yaml:"input"`
	// Gain is the full-scale range in volts: 6.144, 4.096 (default), 2.048,
	// 1.024, 0.512 or 0.256.
	Gain float64 `yaml:"gain"`
	// Scale multiplies volts; 0 means 1.
	Scale  float64 `yaml:"scale"`
	Offset float64 `yaml:"offset"`
	// Unit names the scaled value ("bar"); default "V".
	Unit string `yaml:"unit"`
}

// Driver and bus names.
const (
	DriverBME280  = "bme280"
	DriverBMP280  = "bmp280"
	DriverDS18B20 = "ds18b20"
	DriverADS1115 = "ads1115"
	DriverAHT20   = "aht20"
	DriverSCD4x   = "scd4x"
	DriverGPIO    = "gpio"

	BusI2C     = "i2c"
	BusSPI     = "spi"
	BusOneWire = "onewire"
	BusGPIO    = "gpio"
	BusSim     = "sim"
)

// driverSpec is what validation knows about a driver.
type driverSpec struct {
	buses       []string
	defaultBus  string
	defaultAddr uint16
	addrs       []uint16 // addresses the chip can answer on; nil: any 7-bit
}

var drivers = map[string]driverSpec{
	DriverBME280:  {buses: []string{BusI2C, BusSPI, BusSim}, defaultBus: BusI2C, defaultAddr: 0x76, addrs: []uint16{0x76, 0x77}},
	DriverBMP280:  {buses: []string{BusI2C, BusSPI, BusSim}, defaultBus: BusI2C, defaultAddr: 0x76, addrs: []uint16{0x76, 0x77}},
	DriverDS18B20: {buses: []string{BusOneWire}, defaultBus: BusOneWire},
	DriverADS1115: {buses: []string{BusI2C}, defaultBus: BusI2C, defaultAddr: 0x48, addrs: []uint16{0x48, 0x49, 0x4a, 0x4b}},
	DriverAHT20:   {buses: []string{BusI2C}, defaultBus: BusI2C, defaultAddr: 0x38, addrs: []uint16{0x38}},
	DriverSCD4x:   {buses: []string{BusI2C}, defaultBus: BusI2C, defaultAddr: 0x62, addrs: []uint16{0x62}},
	DriverGPIO:    {buses: []string{BusGPIO}, defaultBus: BusGPIO},
}

// driverNames is the sorted list for error messages.
var driverNames = []string{DriverADS1115, DriverAHT20, DriverBME280, DriverBMP280, DriverDS18B20, DriverGPIO, DriverSCD4x}

// ads1115Gains are the full-scale ranges the ADS1115's PGA supports.
var ads1115Gains = []float64{6.144, 4.096, 2.048, 1.024, 0.512, 0.256}

var ads1115Inputs = []string{"0", "1", "2", "3", "0-1", "0-3", "1-3", "2-3"}

// WithDefaults returns c with the defaults its driver implies filled in.
func (c Config) WithDefaults() Config {
	spec, ok := drivers[c.Driver]
	if !ok {
		return c
	}
	if c.Bus == "" {
		c.Bus = spec.defaultBus
	}
	if c.Address == 0 && (c.Bus == BusI2C || c.Bus == BusSim) {
		c.Address = spec.defaultAddr
	}
	switch c.Driver {
	case DriverDS18B20:
		if c.Resolution == 0 {
			c.Resolution = 12
		}
	case DriverGPIO:
		if c.Mode == "" {
			c.Mode = "level"
		}
		if c.Mode == "count" && c.Edge == "" {
			c.Edge = "rising"
		}
		if c.Pull == "" {
			c.Pull = "none"
		}
	case DriverADS1115:
		ch := make([]Channel, len(c.Channels))
		for i, x := range c.Channels {
			if x.Gain == 0 {
				x.Gain = 4.096
			}
			if x.Scale == 0 {
				x.Scale = 1
			}
			if x.Unit == "" {
				x.Unit = "V"
			}
			ch[i] = x
		}
		c.Channels = ch
	}
	return c
}

// Validate reports every problem in c, each wrapping ErrConfig. It judges
// c as given; New fills defaults first.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: sensor %q: %s", ErrConfig, c.Name, fmt.Sprintf(format, a...)))
	}
	if c.Name == "" {
		bad("name is required")
	}
	if c.Stream == "" {
		bad("stream is required")
	}
	if c.Interval <= 0 {
		bad("interval must be > 0, got %s", c.Interval)
	}
	spec, ok := drivers[c.Driver]
	if !ok {
		bad("unknown driver %q (want one of %v)", c.Driver, driverNames)
		return errors.Join(errs...)
	}
	if !slices.Contains(spec.buses, c.Bus) {
		bad("driver %s cannot use bus %q (want one of %v)", c.Driver, c.Bus, spec.buses)
	}
	if c.Bus == BusI2C || c.Bus == BusSim {
		switch {
		case c.Address > 0x7f:
			bad("address %#x is not a 7-bit I2C address", c.Address)
		case spec.addrs != nil && !slices.Contains(spec.addrs, c.Address):
			bad("address %#x: a %s answers only on %s", c.Address, c.Driver, hexList(spec.addrs))
		}
	} else if c.Address != 0 {
		bad("address applies to bus i2c only, not %q", c.Bus)
	}
	if c.Bus == BusSPI && c.SPIPort == "" {
		bad("spi_port is required on bus spi")
	}
	if c.Driver != DriverADS1115 && len(c.Channels) > 0 {
		bad("channels apply to driver ads1115 only")
	}
	if c.Driver != DriverGPIO && (c.Mode != "" || c.Edge != "" || c.Pull != "" || c.Debounce != 0 || c.Pin != "") {
		bad("pin, mode, edge, pull and debounce apply to driver gpio only")
	}
	if c.Driver != DriverDS18B20 && (c.OneWireAddress != "" || c.Resolution != 0) {
		bad("onewire_address and resolution apply to driver ds18b20 only")
	}
	switch c.Driver {
	case DriverADS1115:
		errs = append(errs, c.validateChannels()...)
	case DriverGPIO:
		if c.Pin == "" {
			bad("pin is required (e.g. GPIO17)")
		}
		if !slices.Contains([]string{"level", "count"}, c.Mode) {
			bad("mode %q: want level or count", c.Mode)
		}
		if c.Mode == "count" && !slices.Contains([]string{"rising", "falling", "both"}, c.Edge) {
			bad("edge %q: want rising, falling or both", c.Edge)
		}
		if c.Mode == "level" && (c.Edge != "" || c.Debounce != 0) {
			bad("edge and debounce apply to mode count only")
		}
		if !slices.Contains([]string{"none", "up", "down"}, c.Pull) {
			bad("pull %q: want none, up or down", c.Pull)
		}
		if c.Debounce < 0 {
			bad("debounce must be >= 0, got %s", c.Debounce)
		}
	case DriverDS18B20:
		if _, err := ParseOneWireAddress(c.OneWireAddress); err != nil {
			bad("onewire_address: %v", err)
		}
		if c.Resolution < 9 || c.Resolution > 12 {
			bad("resolution %d: want 9..12 bits", c.Resolution)
		}
	}
	return errors.Join(errs...)
}

func (c Config) validateChannels() []error {
	var errs []error
	bad := func(i int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: sensor %q: channels[%d]: %s", ErrConfig, c.Name, i, fmt.Sprintf(format, a...)))
	}
	if len(c.Channels) == 0 {
		errs = append(errs, fmt.Errorf("%w: sensor %q: ads1115 needs at least one channel", ErrConfig, c.Name))
	}
	seen := map[string]int{}
	for i, ch := range c.Channels {
		if ch.Name == "" {
			bad(i, "name is required")
		} else if j, dup := seen[ch.Name]; dup {
			bad(i, "duplicate name %q: channels[%d] has it", ch.Name, j)
		} else {
			seen[ch.Name] = i
		}
		if !slices.Contains(ads1115Inputs, ch.Input) {
			bad(i, "input %q: want one of %v", ch.Input, ads1115Inputs)
		}
		if _, ok := gainOf(ch.Gain); !ok {
			bad(i, "gain %gV is not an ADS1115 range (want one of %v volts)", ch.Gain, ads1115Gains)
		}
		if math.IsNaN(ch.Scale) || math.IsInf(ch.Scale, 0) || math.IsNaN(ch.Offset) || math.IsInf(ch.Offset, 0) {
			bad(i, "scale and offset must be finite")
		}
	}
	return errs
}

// ValidateAll validates each config and that names are unique.
func ValidateAll(cfgs []Config) error {
	var errs []error
	seen := map[string]int{}
	for i, c := range cfgs {
		if err := c.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("sensors[%d]: %w", i, err))
		}
		if j, dup := seen[c.Name]; dup && c.Name != "" {
			errs = append(errs, fmt.Errorf("%w: sensors[%d]: duplicate name %q: sensors[%d] has it", ErrConfig, i, c.Name, j))
		} else {
			seen[c.Name] = i
		}
	}
	return errors.Join(errs...)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hexList(a []uint16) string {
	s := ""
	for i, x := range a {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%#x", x)
	}
	return s
}
