package sensors

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"periph.io/x/conn/v3/onewire"
)

func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/sensors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfgs []Config
	if err := yaml.UnmarshalWithOptions(b, &cfgs, yaml.DisallowUnknownField()); err != nil {
		t.Fatal(err)
	}
	p, err := New(cfgs, Deps{Emit: (&recorder{}).emit})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Configs()
	if len(got) != 5 {
		t.Fatalf("%d sensors", len(got))
	}
	if c := got[0]; c.Address != 0x76 || c.Interval != 30*time.Second {
		t.Errorf("bme280: %+v", c)
	}
	if ch := got[1].Channels; ch[0].Gain != 6.144 || ch[0].Scale != 2.5 || ch[1].Unit != "V" || ch[1].Scale != 1 {
		t.Errorf("ads1115 channels: %+v", ch)
	}
	if c := got[2]; c.Debounce != 20*time.Millisecond || c.Edge != "falling" {
		t.Errorf("gpio: %+v", c)
	}
	if c := got[4]; c.Address != 0x76 {
		t.Errorf("sim bme280 default address %#x", c.Address)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Name: "air", Driver: DriverBME280, Interval: time.Second, Stream: "sensors"}
	with := func(f func(*Config)) Config { c := ok; f(&c); return c }
	adc := func(chs ...Channel) Config {
		return Config{Name: "adc", Driver: DriverADS1115, Interval: time.Second, Stream: "s", Channels: chs}
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" is valid
	}{
		{"valid", ok, ""},
		{"unknown driver", with(func(c *Config) { c.Driver = "dht22" }), `unknown driver "dht22"`},
		{"bad address for the chip", with(func(c *Config) { c.Address = 0x40 }), "address 0x40: a bme280 answers only on 0x76, 0x77"},
		{"not a 7-bit address", with(func(c *Config) { c.Address = 0x176 }), "not a 7-bit I2C address"},
		{"zero interval", with(func(c *Config) { c.Interval = 0 }), "interval must be > 0"},
		{"negative interval", with(func(c *Config) { c.Interval = -time.Second }), "interval must be > 0"},
		{"no name", with(func(c *Config) { c.Name = "" }), "name is required"},
		{"no stream", with(func(c *Config) { c.Stream = "" }), "stream is required"},
		{"wrong bus", with(func(c *Config) { c.Bus = BusOneWire }), `cannot use bus "onewire"`},
		{"spi without port", with(func(c *Config) { c.Bus = BusSPI }), "spi_port is required"},
		{"channels on a bme280", with(func(c *Config) { c.Channels = []Channel{{Name: "x", Input: "0"}} }), "channels apply to driver ads1115 only"},
		{"ads1115 valid", adc(Channel{Name: "p", Input: "0-1", Gain: 2.048}), ""},
		{"ads1115 no channels", adc(), "at least one channel"},
		{"ads1115 gain", adc(Channel{Name: "p", Input: "0", Gain: 5}), "gain 5V is not an ADS1115 range"},
		{"ads1115 input", adc(Channel{Name: "p", Input: "1-2"}), `input "1-2"`},
		{"ads1115 duplicate", adc(Channel{Name: "p", Input: "0"}, Channel{Name: "p", Input: "1"}), `duplicate name "p"`},
		{"ads1115 address", with(func(c *Config) { *c = adc(Channel{Name: "p", Input: "0"}); c.Address = 0x50 }), "0x48, 0x49, 0x4a, 0x4b"},
		{"gpio without pin", Config{Name: "g", Driver: DriverGPIO, Interval: time.Second, Stream: "s"}, "pin is required"},
		{"gpio bad mode", Config{Name: "g", Driver: DriverGPIO, Pin: "GPIO4", Mode: "pwm", Interval: time.Second, Stream: "s"}, `mode "pwm"`},
		{"gpio bad edge", Config{Name: "g", Driver: DriverGPIO, Pin: "GPIO4", Mode: "count", Edge: "up", Interval: time.Second, Stream: "s"}, `edge "up"`},
		{"gpio debounce on level", Config{Name: "g", Driver: DriverGPIO, Pin: "GPIO4", Debounce: time.Millisecond, Interval: time.Second, Stream: "s"}, "apply to mode count only"},
		{"ds18b20 without rom", Config{Name: "t", Driver: DriverDS18B20, Interval: time.Second, Stream: "s"}, "onewire_address: required"},
		{"ds18b20 resolution", Config{Name: "t", Driver: DriverDS18B20, OneWireAddress: "28-00000a1b2c3c", Resolution: 13, Interval: time.Second, Stream: "s"}, "resolution 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.WithDefaults().Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			case err != nil && !errors.Is(err, ErrConfig):
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
		})
	}
}

func TestValidateAllDuplicates(t *testing.T) {
	c := Config{Name: "air", Driver: DriverBME280, Interval: time.Second, Stream: "s"}
	_, err := New([]Config{c, c}, Deps{Emit: (&recorder{}).emit})
	if err == nil || !strings.Contains(err.Error(), `sensors[1]: duplicate name "air"`) {
		t.Fatalf("got %v", err)
	}
}

func TestParseOneWireAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr string
	}{
		// w1 sysfs name: family 0x28, serial 0x00000a1b2c3c, CRC computed.
		{in: "28-00000a1b2c3c", want: 0x0000000a1b2c3c28 | uint64(crcOf(0x0000000a1b2c3c28))<<56},
		{in: "0x" + hex16(0x0000000a1b2c3c28|uint64(crcOf(0x0000000a1b2c3c28))<<56), want: 0x0000000a1b2c3c28 | uint64(crcOf(0x0000000a1b2c3c28))<<56},
		{in: "0x000000000000a328", wantErr: "CRC byte"},
		{in: "42-00000a1b2c3c", wantErr: "family code 0x42"},
		{in: "28-xyz", wantErr: "want ff-ssssssssssss"},
		{in: "1234", wantErr: "16 hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOneWireAddress(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || uint64(got) != tt.want {
				t.Fatalf("got %#x, %v; want %#x", uint64(got), err, tt.want)
			}
		})
	}
}

func crcOf(a uint64) byte {
	var b [7]byte
	for i := range b {
		b[i] = byte(a >> (8 * i))
	}
	return onewire.CalcCRC(b[:])
}

func hex16(a uint64) string { return fmt.Sprintf("%016x", a) }
