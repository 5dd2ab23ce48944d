package sensors

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ds18b20"
)

// ds18b20Families are the family codes periph's ds18b20 driver speaks to.
var ds18b20Families = map[byte]string{0x10: "DS18S20", 0x22: "DS1822", 0x28: "DS18B20"}

// ParseOneWireAddress parses a DS18B20 ROM id written as 16 hex digits
// (optionally 0x-led; family code in the low byte, CRC in the high byte, as
// periph prints onewire.Address) or as Linux's w1 sysfs name "28-00000a1b2c3c"
// (family, then the 48-bit serial; the CRC is computed).
func ParseOneWireAddress(s string) (onewire.Address, error) {
	if s == "" {
		return 0, errors.New("required (16 hex digits or a w1 name like 28-00000a1b2c3c)")
	}
	if fam, serial, ok := strings.Cut(s, "-"); ok {
		f, err1 := strconv.ParseUint(fam, 16, 8)
		n, err2 := strconv.ParseUint(serial, 16, 48)
		if err1 != nil || err2 != nil || len(fam) != 2 || len(serial) != 12 {
			return 0, fmt.Errorf("%q: want ff-ssssssssssss (family, 12 hex digit serial)", s)
		}
		a := f | n<<8
		var b [7]byte
		for i := range b {
			b[i] = byte(a >> (8 * i))
		}
		a |= uint64(onewire.CalcCRC(b[:])) << 56
		return checkFamily(onewire.Address(a), s)
	}
	h := strings.TrimPrefix(strings.ToLower(s), "0x")
	if len(h) != 16 {
		return 0, fmt.Errorf("%q: want 16 hex digits", s)
	}
	a, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want 16 hex digits", s)
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(a >> (8 * i))
	}
	if !onewire.CheckCRC(b[:]) {
		return 0, fmt.Errorf("%q: CRC byte %#02x does not match (is the byte order reversed?)", s, b[7])
	}
	return checkFamily(onewire.Address(a), s)
}

func checkFamily(a onewire.Address, s string) (onewire.Address, error) {
	if _, ok := ds18b20Families[byte(a)]; !ok {
		return 0, fmt.Errorf("%q: family code %#02x is not a DS18B20/DS18S20/DS1822", s, byte(a))
	}
	return a, nil
}

// DS18B20Config is a DS18B20's (or DS18S20's, DS1822's) settings.
type DS18B20Config struct {
	// OneWireBus names the 1-Wire bus; "" is the host's first bus.
	OneWireBus string `yaml:"onewire_bus"`
	// OneWireAddress is the probe's 64-bit ROM id, as 16 hex digits
	// ("0x3c0000000a1b2c28", family code in the low byte, as periph prints
	// it) or as Linux names it in /sys/bus/w1/devices ("28-00000a1b2c3c").
	OneWireAddress string `yaml:"onewire_address"`
	// Resolution is the resolution in bits, 9..12 (default 12).
	Resolution int `yaml:"resolution"`
}

func init() {
	RegisterDriver(DriverType{
		Name:      "ds18b20",
		NewConfig: func() DriverConfig { return new(DS18B20Config) },
		Open: func(cfg DriverConfig, env Env) (Device, error) {
			return openDS18B20(*cfg.(*DS18B20Config), env)
		},
	})
}

func (c DS18B20Config) resolution() int {
	if c.Resolution == 0 {
		return 12
	}
	return c.Resolution
}

// Validate reports a ROM id that is not a DS18B20's and a resolution the
// probe does not have.
func (c *DS18B20Config) Validate() error {
	var errs settingErrors
	if _, err := ParseOneWireAddress(c.OneWireAddress); err != nil {
		errs.add("onewire_address", "%v", err)
	}
	if r := c.resolution(); r < 9 || r > 12 {
		errs.add("resolution", "%d: want 9..12 bits", r)
	}
	return errs.err()
}

type ds18b20Sensor struct {
	dev *ds18b20.Dev
	bus onewire.BusCloser
}

func openDS18B20(c DS18B20Config, env Env) (Device, error) {
	addr, err := ParseOneWireAddress(c.OneWireAddress)
	if err != nil {
		return nil, err
	}
	bus, err := env.Hardware.OpenOneWire(c.OneWireBus)
	if err != nil {
		return nil, err
	}
	dev, err := ds18b20.New(bus, addr, c.resolution())
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &ds18b20Sensor{dev: dev, bus: bus}, nil
}

// errPowerOnValue: the scratchpad still holds the value a DS18B20 starts
// with. Firmware that reads one without checking logs a false 85 °C: a
// probe on parasite power whose conversion browned out, or one that reset
// between Convert T and the read. It is an error, retried like any other;
// a true 85.0000 °C reading is lost with it, which is the usual trade.
var errPowerOnValue = errors.New("ds18b20: 85 °C is the power-on reset value: the conversion did not run (check power and the pull-up)")

func (s *ds18b20Sensor) Read() (Sample, error) {
	var e physic.Env
	if err := s.dev.Sense(&e); err != nil {
		return Sample{}, err
	}
	if e.Temperature == physic.ZeroCelsius+85*physic.Celsius {
		return Sample{}, errPowerOnValue
	}
	return flatSample(map[string]any{"temperature_c": round(float64(e.Temperature-physic.ZeroCelsius)/float64(physic.Celsius), 4)}), nil
}

func (s *ds18b20Sensor) Close() error { return s.bus.Close() }
