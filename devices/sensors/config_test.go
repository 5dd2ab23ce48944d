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
	if _, err := New(cfgs, Deps{Emit: (&recorder{}).emit}); err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 5 {
		t.Fatalf("%d sensors", len(cfgs))
	}
	if c, ok := cfgs[0].Driver.(*BMx280Config); !ok || cfgs[0].Type != "bme280" || c.address(bmx280Chip) != 0x76 || c.I2CConfig.Bus != "1" || cfgs[0].Interval != 30*time.Second {
		t.Errorf("bme280: %+v %+v", cfgs[0], cfgs[0].Driver)
	}
	if ch := cfgs[1].Driver.(*ADS1115Config).Channels; ch[0].gain() != 6.144 || ch[0].scale() != 2.5 || ch[1].unit() != "V" || ch[1].scale() != 1 {
		t.Errorf("ads1115 channels: %+v", ch)
	}
	if c := cfgs[2].Driver.(*GPIOConfig); c.Debounce != 20*time.Millisecond || c.edge() != "falling" || c.mode() != "count" {
		t.Errorf("gpio: %+v", c)
	}
	if c := cfgs[3].Driver.(*DS18B20Config); c.resolution() != 11 || c.OneWireAddress != "28-00000a1b2c3c" {
		t.Errorf("ds18b20: %+v", c)
	}
	if c := cfgs[4].Driver.(*BMx280Config); c.bus() != BusSim || c.address(bmx280Chip) != 0x76 {
		t.Errorf("sim bme280: %+v, default address %#x", c, c.address(bmx280Chip))
	}
}

// TestDriverKeys: each entry decodes its driver's own keys and no other.
func TestDriverKeys(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"- {name: a, type: bme280, stream: s, interval: 1s, pin: GPIO4}\n", `unknown field "pin" in [0]: sensor type bme280 takes address, bus, i2c_bus, interval, name, spi_port, stream`},
		{"- {name: a, type: gpio, stream: s, interval: 1s, pin: GPIO4, address: 0x40}\n", `unknown field "address" in [0]: sensor type gpio takes debounce, edge, interval, mode, name, pin, pull, stream`},
		{"- {name: a, type: ads1115, stream: s, interval: 1s, channels: [{name: p, input: '0', gian: 2}]}\n", `unknown field "gian" in [0].channels[0]: sensor type ads1115 takes gain, input, name, offset, scale, unit there`},
		{"- {name: a, driver: bme280, stream: s, interval: 1s}\n", `[0]: needs a type: one of ads1115, aht20, bme280, bmp280, ds18b20, gpio, scd4x`},
		{"- {name: a, type: dht22, stream: s, interval: 1s}\n", `[0].type: "dht22" is not one of ads1115, aht20, bme280, bmp280, ds18b20, gpio, scd4x`},
	} {
		var cfgs []Config
		err := yaml.UnmarshalWithOptions([]byte(tc.yaml), &cfgs, yaml.DisallowUnknownField())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %s", tc.yaml, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	bme := func(d BMx280Config) Config {
		return Config{Name: "air", Type: "bme280", Interval: time.Second, Stream: "sensors", Driver: &d}
	}
	ok := bme(BMx280Config{})
	with := func(f func(*Config)) Config { c := ok; f(&c); return c }
	adc := func(chs ...Channel) Config {
		return Config{Name: "adc", Type: "ads1115", Interval: time.Second, Stream: "s", Driver: &ADS1115Config{Channels: chs}}
	}
	gpioC := func(g GPIOConfig) Config {
		return Config{Name: "g", Type: "gpio", Interval: time.Second, Stream: "s", Driver: &g}
	}
	ds := func(d DS18B20Config) Config {
		return Config{Name: "t", Type: "ds18b20", Interval: time.Second, Stream: "s", Driver: &d}
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" is valid
	}{
		{"valid", ok, ""},
		{"unknown type", with(func(c *Config) { c.Type = "dht22" }), `type "dht22" is not one of`},
		{"no type", with(func(c *Config) { c.Type = "" }), `type is required`},
		{"another driver's settings", with(func(c *Config) { c.Type = "gpio" }), `*sensors.BMx280Config are not those of type gpio`},
		{"bad address for the chip", bme(BMx280Config{I2CConfig: I2CConfig{Address: 0x40}}), "address: 0x40: a bme280/bmp280 answers only on 0x76, 0x77"},
		{"not a 7-bit address", bme(BMx280Config{I2CConfig: I2CConfig{Address: 0x176}}), "not a 7-bit I2C address"},
		{"zero interval", with(func(c *Config) { c.Interval = 0 }), "interval must be > 0"},
		{"negative interval", with(func(c *Config) { c.Interval = -time.Second }), "interval must be > 0"},
		{"no name", with(func(c *Config) { c.Name = "" }), "name is required"},
		{"no stream", with(func(c *Config) { c.Stream = "" }), "stream is required"},
		{"wrong bus", bme(BMx280Config{Bus: "onewire"}), `bus: "onewire": want i2c, spi or sim`},
		{"spi without port", bme(BMx280Config{Bus: BusSPI}), "spi_port: is required on bus spi"},
		{"address on spi", bme(BMx280Config{Bus: BusSPI, SPIPort: "SPI0.0", I2CConfig: I2CConfig{Address: 0x76}}), "apply to bus i2c or sim only"},
		{"ads1115 valid", adc(Channel{Name: "p", Input: "0-1", Gain: 2.048}), ""},
		{"ads1115 no channels", adc(), "at least one channel"},
		{"ads1115 gain", adc(Channel{Name: "p", Input: "0", Gain: 5}), "channels[0]: gain 5V is not an ADS1115 range"},
		{"ads1115 input", adc(Channel{Name: "p", Input: "1-2"}), `input "1-2"`},
		{"ads1115 duplicate", adc(Channel{Name: "p", Input: "0"}, Channel{Name: "p", Input: "1"}), `duplicate name "p"`},
		{"ads1115 address", Config{Name: "adc", Type: "ads1115", Interval: time.Second, Stream: "s", Driver: &ADS1115Config{I2CConfig: I2CConfig{Address: 0x50}, Channels: []Channel{{Name: "p", Input: "0"}}}}, "0x48, 0x49, 0x4a, 0x4b"},
		{"aht20 address", Config{Name: "h", Type: "aht20", Interval: time.Second, Stream: "s", Driver: &AHT20Config{I2CConfig{Address: 0x39}}}, "answers only on 0x38"},
		{"scd4x default address", Config{Name: "c", Type: "scd4x", Interval: time.Second, Stream: "s", Driver: &SCD4xConfig{}}, ""},
		{"gpio without pin", gpioC(GPIOConfig{}), "pin: is required"},
		{"gpio bad mode", gpioC(GPIOConfig{Pin: "GPIO4", Mode: "pwm"}), `mode: "pwm"`},
		{"gpio bad edge", gpioC(GPIOConfig{Pin: "GPIO4", Mode: "count", Edge: "up"}), `edge: "up"`},
		{"gpio bad pull", gpioC(GPIOConfig{Pin: "GPIO4", Pull: "sideways"}), `pull: "sideways"`},
		{"gpio debounce on level", gpioC(GPIOConfig{Pin: "GPIO4", Debounce: time.Millisecond}), "apply to mode count only"},
		{"ds18b20 without rom", ds(DS18B20Config{}), "onewire_address: required"},
		{"ds18b20 resolution", ds(DS18B20Config{OneWireAddress: "28-00000a1b2c3c", Resolution: 13}), "resolution: 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
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
	c := Config{Name: "air", Type: "bme280", Driver: &BMx280Config{}, Interval: time.Second, Stream: "s"}
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
