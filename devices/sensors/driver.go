package sensors

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/tidegate/tidegate/devices/decode"
	"github.com/tidegate/tidegate/internal/typed"
)

// DriverConfig is a driver's own settings: the keys of a sensor entry
// beside name, type, stream and interval, decoded strictly into it.
type DriverConfig interface {
	// Validate reports every problem, each wrapping ErrConfig and naming
	// its key. Keys left out take the driver's defaults.
	Validate() error
}

// DriverType is one kind of sensor, as its file registers it with
// RegisterDriver.
//
// Life of a sensor: NewConfig → decode the entry's keys into it → Validate
// → Open (again after every failure) → Read at each poll … → Close.
type DriverType struct {
	// Name is what a sensor's `type:` says.
	Name string
	// NewConfig returns empty settings (a pointer to a struct).
	NewConfig func() DriverConfig
	// Open opens the hardware valid settings of this driver name. It may
	// block for the chip's start-up.
	Open func(cfg DriverConfig, env Env) (Device, error)
}

// Env is what a driver opens its hardware with.
type Env struct {
	// Sensor is the sensor's name: the emulated chip of bus: sim is the
	// sensor's own.
	Sensor   string
	Hardware Hardware
	// Sim holds the emulated chips of bus: sim.
	Sim *Sim
	// Clock times what a driver measures itself (GPIO edges).
	Clock Clock
}

// Device is an opened sensor. Read may block for the chip's conversion
// time; Close releases the bus or pin. A Device is used by one goroutine.
type Device interface {
	Read() (Sample, error)
	Close() error
}

// Sample is what a driver measured: Data is the record's JSON object,
// Values the flat map for the device registry (the same as Data unless Data
// nests).
type Sample struct {
	Data   map[string]any
	Values map[string]any
}

func flatSample(m map[string]any) Sample { return Sample{Data: m, Values: m} }

// reading turns s into the record the ingest takes.
func (s Sample) reading(device string, at time.Time) (decode.Reading, error) {
	data, err := json.Marshal(s.Data)
	if err != nil {
		return decode.Reading{}, fmt.Errorf("sensors: %s: encode reading: %w", device, err)
	}
	return decode.Reading{Device: device, Time: at, Data: data, Values: s.Values}, nil
}

var drivers = typed.NewRegistry[DriverType]("sensor driver")

// RegisterDriver adds a sensor driver. Call it from an init function; a
// missing part or a repeated name panics.
func RegisterDriver(d DriverType) {
	if d.NewConfig == nil || d.Open == nil {
		panic(fmt.Sprintf("sensors: driver %q registered without NewConfig or Open", d.Name))
	}
	drivers.Add(d.Name, d)
}

// LookupDriver returns the driver registered as name.
func LookupDriver(name string) (DriverType, bool) { return drivers.Lookup(name) }

// Drivers lists the registered drivers, sorted.
func Drivers() []string { return drivers.Names() }

// accepts reports whether cfg is settings of this driver.
func (d DriverType) accepts(cfg DriverConfig) bool {
	return cfg != nil && reflect.TypeOf(cfg) == reflect.TypeOf(d.NewConfig())
}

// open opens the hardware of c, which is valid.
func open(c Config, env Env) (Device, error) {
	d, ok := LookupDriver(c.Type)
	if !ok || !d.accepts(c.Driver) {
		return nil, fmt.Errorf("sensors: %s: no driver %q for %T", c.Name, c.Type, c.Driver)
	}
	env.Sensor = c.Name
	dev, err := d.Open(c.Driver, env)
	if err != nil {
		return nil, fmt.Errorf("sensors: %s: open %s: %w", c.Name, c.Type, err)
	}
	return dev, nil
}
