package sensors

import (
	"encoding/json"
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"github.com/tidegate/tidegate/firmware-sim/chips/bme280"
)

// bmp280Recording is periph's recording of a real BMP280 at 0x76 (from
// bmxx80's own tests) doing one forced-mode measurement: 23.72 °C,
// 1009.43 hPa.
func bmp280Recording() *i2ctest.Playback {
	return &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x76, W: []byte{0xd0}, R: []byte{0x58}},
		{Addr: 0x76, W: []byte{0x88}, R: []byte{0x10, 0x6e, 0x6c, 0x66, 0x32, 0x0, 0x5d, 0x95, 0xb8, 0xd5, 0xd0, 0xb, 0x77, 0x1e, 0x9d, 0xff, 0xf9, 0xff, 0xac, 0x26, 0xa, 0xd8, 0xbd, 0x10, 0x0, 0x4b}},
		{Addr: 0x76, W: []byte{0xf4, 0x6c, 0xf5, 0xa0, 0xf4, 0x6c}},
		{Addr: 0x76, W: []byte{0xf4, 0x6d}},
		{Addr: 0x76, W: []byte{0xf3}, R: []byte{8}},
		{Addr: 0x76, W: []byte{0xf3}, R: []byte{0}},
		{Addr: 0x76, W: []byte{0xf7}, R: []byte{0x4a, 0x52, 0xc0, 0x80, 0x96, 0xc0}},
	}}
}

func TestBMx280(t *testing.T) {
	env := func(c, hpa, rh float64) bme280.Env {
		return bme280.Env{
			Temperature: physic.ZeroCelsius + physic.Temperature(c*1000)*physic.MilliKelvin,
			Pressure:    physic.Pressure(hpa*100) * physic.Pascal,
			Humidity:    physic.RelativeHumidity(rh*10) * physic.MilliRH,
		}
	}
	tests := []struct {
		name    string
		cfg     Config
		hw      *testHW
		want    map[string]float64
		wantErr bool
	}{
		{
			name: "bme280 on sim",
			cfg:  Config{Name: "room", Type: "bme280", Driver: &BMx280Config{Bus: BusSim}},
			hw:   &testHW{sim: map[string]*bme280.Chip{"room": bme280.New(0x76, env(21.53, 1013.25, 48.2))}},
			want: map[string]float64{"temperature_c": 21.53, "pressure_hpa": 1013.25, "humidity_pct": 48.2},
		},
		{
			name: "bme280 on sim at 0x77, cold and dry",
			cfg:  Config{Name: "freezer", Type: "bme280", Driver: &BMx280Config{Bus: BusSim, I2CConfig: I2CConfig{Address: 0x77}}},
			hw:   &testHW{sim: map[string]*bme280.Chip{"freezer": bme280.New(0x77, env(-18.25, 980.5, 12.5))}},
			want: map[string]float64{"temperature_c": -18.25, "pressure_hpa": 980.5, "humidity_pct": 12.5},
		},
		{
			name: "bmp280 driver on a bme280 chip leaves humidity out",
			cfg:  Config{Name: "baro", Type: "bmp280", Driver: &BMx280Config{Bus: BusSim}},
			hw:   &testHW{sim: map[string]*bme280.Chip{"baro": bme280.New(0x76, env(20, 1000, 50))}},
			want: map[string]float64{"temperature_c": 20, "pressure_hpa": 1000},
		},
		{
			name: "bme280 on spi",
			cfg:  Config{Name: "duct", Type: "bme280", Driver: &BMx280Config{Bus: BusSPI, SPIPort: "/dev/spidev0.0"}},
			hw:   &testHW{spi: map[string]spi.PortCloser{"/dev/spidev0.0": bme280.New(0x76, env(26.5, 1002.75, 61.5)).SPI()}},
			want: map[string]float64{"temperature_c": 26.5, "pressure_hpa": 1002.75, "humidity_pct": 61.5},
		},
		{
			name: "bmp280 driver on spi",
			cfg:  Config{Name: "roof", Type: "bmp280", Driver: &BMx280Config{Bus: BusSPI, SPIPort: "/dev/spidev0.1"}},
			hw:   &testHW{spi: map[string]spi.PortCloser{"/dev/spidev0.1": bme280.New(0x76, env(4.25, 995.5, 80)).SPI()}},
			want: map[string]float64{"temperature_c": 4.25, "pressure_hpa": 995.5},
		},
		{
			name: "bmp280 on i2c, recorded",
			cfg:  Config{Name: "baro", Type: "bmp280", Driver: &BMx280Config{I2CConfig: I2CConfig{Bus: "1"}}},
			hw:   &testHW{i2c: map[string]i2c.BusCloser{"1": bmp280Recording()}},
			want: map[string]float64{"temperature_c": 23.72, "pressure_hpa": 1009.43},
		},
		{
			name:    "bme280 driver on a bmp280 chip is refused",
			cfg:     Config{Name: "baro", Type: "bme280", Driver: &BMx280Config{I2CConfig: I2CConfig{Bus: "1"}}},
			hw:      &testHW{i2c: map[string]i2c.BusCloser{"1": bmp280Recording()}},
			wantErr: true,
		},
		{
			name:    "nothing at the address",
			cfg:     Config{Name: "room", Type: "bme280", Driver: &BMx280Config{Bus: BusSim, I2CConfig: I2CConfig{Address: 0x77}}},
			hw:      &testHW{sim: map[string]*bme280.Chip{"room": bme280.New(0x76, env(20, 1000, 50))}},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readOnce(t, tt.cfg, tt.hw.env(realClock{}), tt.wantErr)
			if tt.wantErr {
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if g, ok := got[k].(float64); !ok || g != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

// readOnce opens cfg's sensor, reads it once, and returns the record's
// JSON decoded.
func readOnce(t *testing.T, cfg Config, env Env, wantErr bool) map[string]any {
	t.Helper()
	cfg.Stream, cfg.Interval = "sensors", 1e9
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := open(cfg, env)
	if err == nil {
		defer s.Close()
		var smp Sample
		if smp, err = s.Read(); err == nil {
			r, err := smp.reading(cfg.Name, (realClock{}).Now())
			if err != nil {
				t.Fatal(err)
			}
			if r.Device != cfg.Name {
				t.Errorf("device %q, want %q", r.Device, cfg.Name)
			}
			var got map[string]any
			if err := json.Unmarshal(r.Data, &got); err != nil {
				t.Fatal(err)
			}
			if wantErr {
				t.Fatalf("no error; read %s", r.Data)
			}
			return got
		}
	}
	if !wantErr {
		t.Fatal(err)
	}
	t.Logf("error (wanted): %v", err)
	return nil
}

// TestHostSim reads bus: sim through the real Hardware and a Sim of the
// default environment, as the demo does.
func TestHostSim(t *testing.T) {
	env := Env{Hardware: Host(), Sim: NewSim(DefaultSimEnv()), Clock: realClock{}}
	got := readOnce(t, Config{Name: "demo-air", Type: "bme280", Driver: &BMx280Config{Bus: BusSim}}, env, false)
	want := map[string]any{"temperature_c": 21.5, "pressure_hpa": 1013.25, "humidity_pct": 45.0}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}
