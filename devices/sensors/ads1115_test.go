package sensors

import (
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestADS1115Scaling(t *testing.T) {
	// Config words the ads1x15 driver writes for a single-shot conversion at
	// 128 SPS, comparator off: OS | MUX<<12 | PGA | MODE | DR | COMP_QUE.
	const (
		in0At6V144  = 0x8000 | 0x4<<12 | 0x0000 | 0x0100 | 0x0080 | 0x0003
		in23At0V256 = 0x8000 | 0x3<<12 | 0x0A00 | 0x0100 | 0x0080 | 0x0003
		in1At4V096  = 0x8000 | 0x5<<12 | 0x0200 | 0x0100 | 0x0080 | 0x0003
	)
	conv := func(addr uint16, config uint16, raw int16) []i2ctest.IO {
		return []i2ctest.IO{
			{Addr: addr, W: []byte{0x01, byte(config >> 8), byte(config)}},
			{Addr: addr, W: []byte{0x00}, R: []byte{byte(uint16(raw) >> 8), byte(raw)}},
		}
	}
	tests := []struct {
		name       string
		channels   []Channel
		addr       uint16
		ops        []i2ctest.IO
		wantData   map[string]map[string]any
		wantValues map[string]any
	}{
		{
			// 4–20 mA loop through 250 Ω: 1–5 V is 0–10 bar. 3.000 V is 5 bar.
			name:       "4-20 mA pressure transmitter",
			channels:   []Channel{{Name: "pressure", Input: "0", Gain: 6.144, Scale: 2.5, Offset: -2.5, Unit: "bar"}},
			ops:        conv(0x48, in0At6V144, 16000),
			wantData:   map[string]map[string]any{"pressure": {"value": 5.0, "unit": "bar", "volts": 3.0}},
			wantValues: map[string]any{"pressure_bar": 5.0, "pressure_volts": 3.0},
		},
		{
			name: "differential shunt in volts, and a second input, at 0x49",
			addr: 0x49,
			channels: []Channel{
				{Name: "shunt", Input: "2-3", Gain: 0.256},
				{Name: "supply", Input: "1", Scale: 11, Unit: "V_bus"},
			},
			ops: append(conv(0x49, in23At0V256, -8000), conv(0x49, in1At4V096, 8192)...),
			wantData: map[string]map[string]any{
				"shunt":  {"value": -0.0625, "unit": "V", "volts": -0.0625},
				"supply": {"value": 11.264, "unit": "V_bus", "volts": 1.024},
			},
			wantValues: map[string]any{"shunt_V": -0.0625, "supply_V_bus": 11.264, "supply_volts": 1.024},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			cfg := Config{Name: "adc", Type: "ads1115", Driver: &ADS1115Config{I2CConfig: I2CConfig{Bus: "1", Address: tt.addr}, Channels: tt.channels}}
			got := readOnce(t, cfg, (&testHW{i2c: map[string]i2c.BusCloser{"1": bus}}).env(realClock{}), false)
			if err := bus.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.wantData) {
				t.Fatalf("got %v, want %v", got, tt.wantData)
			}
			for name, want := range tt.wantData {
				ch, _ := got[name].(map[string]any)
				for k, w := range want {
					if ch[k] != w {
						t.Errorf("%s.%s = %v, want %v", name, k, ch[k], w)
					}
				}
			}
		})
	}
	t.Run("flat values", func(t *testing.T) {
		for _, tt := range tests {
			bus := &i2ctest.Playback{Ops: tt.ops, DontPanic: true}
			cfg := Config{Name: "adc", Type: "ads1115", Stream: "s", Interval: 1e9, Driver: &ADS1115Config{I2CConfig: I2CConfig{Bus: "1", Address: tt.addr}, Channels: tt.channels}}
			s, err := open(cfg, (&testHW{i2c: map[string]i2c.BusCloser{"1": bus}}).env(realClock{}))
			if err != nil {
				t.Fatal(err)
			}
			smp, err := s.Read()
			if err != nil {
				t.Fatal(err)
			}
			if len(smp.Values) != len(tt.wantValues) {
				t.Errorf("%s: values %v, want %v", tt.name, smp.Values, tt.wantValues)
			}
			for k, w := range tt.wantValues {
				if smp.Values[k] != w {
					t.Errorf("%s: values[%s] = %v, want %v", tt.name, k, smp.Values[k], w)
				}
			}
		}
	})
}
