package sensors

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/internal/typed"
)

// ErrConfig is wrapped by every validation error.
var ErrConfig = errors.New("sensors: invalid config")

// Config is one sensor: what every sensor has — a name, a driver, a stream
// and a poll interval — and its driver's own settings, as an entry of
//
//	sensors:
//	  - {name: greenhouse-air, type: bme280, stream: sensors, interval: 30s, i2c_bus: "1", address: 0x76}
//
// gives them.
type Config struct {
	// Name is the device id: the record's partition key.
	Name string `yaml:"name"`
	// Type is a registered driver: bme280, bmp280, ds18b20, ads1115, aht20,
	// scd4x or gpio.
	Type string `yaml:"type"`
	// Stream receives the readings.
	Stream string `yaml:"stream"`
	// Interval is the poll period.
	Interval time.Duration `yaml:"interval"`
	// Driver is the driver's own settings, decoded strictly from the
	// entry's other keys into the driver's configuration.
	Driver DriverConfig `yaml:"-"`
}

// UnmarshalYAML decodes name, type, stream and interval into c and the other
// keys strictly into the configuration of the driver type names, so that a
// key the driver does not take is reported at its own position, with the
// keys it takes.
func (c *Config) UnmarshalYAML(node ast.Node) error {
	type common Config // without this method, so decoding does not recurse
	sec := typed.Section{
		Kind:  "sensor",
		Types: Drivers(),
		NewConfig: func(name string) (any, bool) {
			d, ok := LookupDriver(name)
			if !ok {
				return nil, false
			}
			return d.NewConfig(), true
		},
		Common: (*common)(c),
	}
	_, cfg, err := sec.Decode(node)
	if err != nil {
		return err
	}
	c.Driver = cfg.(DriverConfig)
	return nil
}

// Validate reports every problem in c, each wrapping ErrConfig.
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
	d, ok := LookupDriver(c.Type)
	switch {
	case c.Type == "":
		bad("type is required: one of %s", strings.Join(Drivers(), ", "))
	case !ok:
		bad("type %q is not one of %s", c.Type, strings.Join(Drivers(), ", "))
	case !d.accepts(c.Driver):
		bad("the driver settings %T are not those of type %s", c.Driver, c.Type)
	default:
		for _, e := range problems(c.Driver.Validate()) {
			bad("%s", strings.TrimPrefix(e.Error(), ErrConfig.Error()+": "))
		}
	}
	return errors.Join(errs...)
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

// problems splits a joined error into its parts.
func problems(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// settingErrors collects a driver's problems, each naming its key.
type settingErrors []error

func (e *settingErrors) add(key, format string, a ...any) {
	*e = append(*e, fmt.Errorf("%w: %s: %s", ErrConfig, key, fmt.Sprintf(format, a...)))
}

func (e settingErrors) err() error { return errors.Join(e...) }

// I2CConfig places a chip on an I²C bus; drivers of I²C chips take its keys.
type I2CConfig struct {
	// Bus names the I²C bus: "1", "I2C1" or "/dev/i2c-1"; "" is the host's
	// first bus.
	Bus string `yaml:"i2c_bus"`
	// Address is the 7-bit I²C address; 0 means the chip's default.
	Address uint16 `yaml:"address"`
}

// address is the configured address or the chip's default.
func (c I2CConfig) address(chip i2cChip) uint16 {
	if c.Address == 0 {
		return chip.addrs[0]
	}
	return c.Address
}

// check reports an address the chip cannot answer on.
func (c I2CConfig) check(errs *settingErrors, chip i2cChip) {
	switch a := c.address(chip); {
	case a > 0x7f:
		errs.add("address", "%#x is not a 7-bit I2C address", a)
	case !slices.Contains(chip.addrs, a):
		errs.add("address", "%#x: a %s answers only on %s", a, chip.name, hexList(chip.addrs))
	}
}

// i2cChip is what validation knows about a chip: the addresses it can
// answer on, its default first.
type i2cChip struct {
	name  string
	addrs []uint16
}

func hexList(a []uint16) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = fmt.Sprintf("%#x", x)
	}
	return strings.Join(s, ", ")
}
