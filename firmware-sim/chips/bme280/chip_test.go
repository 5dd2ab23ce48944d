package bme280

import (
	"errors"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/bmxx80"
)

func celsius(c float64) physic.Temperature {
	return physic.ZeroCelsius + physic.Temperature(c*float64(physic.Celsius))
}

func TestDriverReadsEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  Env
	}{
		{"room", Env{celsius(21.53), 101325 * physic.Pascal, 48*physic.PercentRH + 2*physic.MilliRH}},
		{"freezer", Env{celsius(-18.25), 102000 * physic.Pascal, 20 * physic.PercentRH}},
		{"arctic", Env{celsius(-39.99), 99000 * physic.Pascal, 5 * physic.PercentRH}},
		{"desert", Env{celsius(49.1), 100100 * physic.Pascal, 8 * physic.PercentRH}},
		{"engine bay", Env{celsius(84.5), 101000 * physic.Pascal, 30 * physic.PercentRH}},
		{"tropics", Env{celsius(31.7), 100800 * physic.Pascal, 97*physic.PercentRH + 5*physic.MilliRH}},
		{"saturated", Env{celsius(12), 101325 * physic.Pascal, 100 * physic.PercentRH}},
		{"mountain", Env{celsius(2.4), 61640 * physic.Pascal, 65 * physic.PercentRH}},
		{"storm", Env{celsius(18), 95012 * physic.Pascal, 88 * physic.PercentRH}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chip := New(0x76, tt.env)
			dev, err := bmxx80.NewI2C(chip, 0x76, &bmxx80.DefaultOpts)
			if err != nil {
				t.Fatal(err)
			}
			if got := dev.String(); !strings.HasPrefix(got, "BME280{") {
				t.Fatalf("driver identified %q", got)
			}
			var got physic.Env
			if err := dev.Sense(&got); err != nil {
				t.Fatal(err)
			}
			checkEnv(t, got, tt.env)
		})
	}
}

func checkEnv(t *testing.T, got physic.Env, want Env) {
	t.Helper()
	if d := got.Temperature - want.Temperature; d < -10*physic.MilliKelvin || d > 10*physic.MilliKelvin {
		t.Errorf("temperature %s, want %s", got.Temperature, want.Temperature)
	}
	if d := got.Pressure - want.Pressure; d < -physic.Pascal || d > physic.Pascal {
		t.Errorf("pressure %s, want %s", got.Pressure, want.Pressure)
	}
	if d := got.Humidity - want.Humidity; d < -physic.MilliRH/10 || d > physic.MilliRH/10 {
		t.Errorf("humidity %s, want %s", got.Humidity, want.Humidity)
	}
}

func TestSetChangesNextMeasurement(t *testing.T) {
	chip := New(0x77, Env{celsius(20), 101325 * physic.Pascal, 50 * physic.PercentRH})
	dev, err := bmxx80.NewI2C(chip, 0x77, &bmxx80.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	next := Env{celsius(-5.5), 98765 * physic.Pascal, 75 * physic.PercentRH}
	chip.Set(next)
	var got physic.Env
	if err := dev.Sense(&got); err != nil {
		t.Fatal(err)
	}
	checkEnv(t, got, next)
}

func TestOutOfRangeSaturates(t *testing.T) {
	chip := New(0x76, Env{celsius(150), 200000 * physic.Pascal, 120 * physic.PercentRH})
	dev, err := bmxx80.NewI2C(chip, 0x76, &bmxx80.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	var got physic.Env
	if err := dev.Sense(&got); err != nil {
		t.Fatal(err)
	}
	checkEnv(t, got, Env{maxTemperature, maxPressure, 100 * physic.PercentRH})
}

func TestNormalModeWithFilter(t *testing.T) {
	env := Env{celsius(23.4), 100500 * physic.Pascal, 41 * physic.PercentRH}
	chip := New(0x76, env)
	opts := bmxx80.DefaultOpts
	opts.Filter, opts.Standby = bmxx80.F4, 10*time.Millisecond
	dev, err := bmxx80.NewI2C(chip, 0x76, &opts)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Millisecond) // first conversion
	var got physic.Env
	if err := dev.Sense(&got); err != nil {
		t.Fatal(err)
	}
	checkEnv(t, got, env)
}

func TestStatusAndForcedMode(t *testing.T) {
	now := time.Unix(0, 0)
	chip := New(0x76, Env{celsius(20), 101325 * physic.Pascal, 50 * physic.PercentRH})
	chip.now = func() time.Time { return now }
	tx := func(w []byte, n int) []byte {
		r := make([]byte, n)
		if err := chip.Tx(0x76, w, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if d := tx([]byte{regData}, 8); d[0] != 0x80 || d[3] != 0x80 || d[6] != 0x80 {
		t.Fatalf("data after power-up % x, want skipped values", d)
	}
	tx([]byte{regCtrlHum, 1, regCtrlMeas, 1<<5 | 1<<2 | 1}, 0)
	if s := tx([]byte{regStatus}, 1)[0]; s&statusMeasure == 0 {
		t.Fatalf("status %#x during conversion", s)
	}
	now = now.Add(10 * time.Millisecond)
	if s := tx([]byte{regStatus}, 1)[0]; s&statusMeasure != 0 {
		t.Fatalf("status %#x after conversion", s)
	}
	if m := tx([]byte{regCtrlMeas}, 1)[0]; m&3 != 0 {
		t.Fatalf("mode %d after forced conversion, want sleep", m&3)
	}
	if d := tx([]byte{regData}, 8); d[0] == 0x80 && d[1] == 0 {
		t.Fatalf("no conversion in data % x", d)
	}
	tx([]byte{regReset, resetWord}, 0)
	if m := tx([]byte{regCtrlHum}, 3); m[0] != 0 || m[2] != 0 {
		t.Fatalf("registers after reset % x", m)
	}
	if id := tx([]byte{regChipID}, 1)[0]; id != ChipID {
		t.Fatalf("chip id %#x", id)
	}
}

func TestBusErrors(t *testing.T) {
	chip := New(0x76, Env{celsius(20), 101325 * physic.Pascal, 50 * physic.PercentRH})
	if err := chip.Tx(0x77, []byte{regChipID}, make([]byte, 1)); !errors.Is(err, ErrNoAck) {
		t.Fatalf("wrong address: %v", err)
	}
	if _, err := bmxx80.NewI2C(chip, 0x77, &bmxx80.DefaultOpts); err == nil {
		t.Fatal("driver found a chip at the wrong address")
	}
	dev, err := bmxx80.NewI2C(chip, 0x76, &bmxx80.DefaultOpts)
	if err != nil {
		t.Fatal(err)
	}
	unplugged := errors.New("unplugged")
	chip.Fail(unplugged)
	var e physic.Env
	if err := dev.Sense(&e); err == nil {
		t.Fatal("sense succeeded on a failed chip")
	}
	chip.Fail(nil)
	if err := dev.Sense(&e); err != nil {
		t.Fatal(err)
	}
	if err := chip.SetSpeed(400 * physic.KiloHertz); err != nil {
		t.Fatal(err)
	}
	if err := chip.SetSpeed(10 * physic.MegaHertz); err == nil {
		t.Fatal("10 MHz accepted")
	}
	d := i2c.Dev{Bus: chip, Addr: 0x76}
	if err := d.Tx([]byte{regChipID}, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := chip.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Tx([]byte{regChipID}, make([]byte, 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func FuzzTx(f *testing.F) {
	f.Add(uint16(0x76), []byte{regCtrlMeas, 0x25}, 8, int64(0))
	f.Add(uint16(0x76), []byte{regConfig, 0xFF, regCtrlMeas, 0xFF, regData}, 300, int64(5e6))
	f.Add(uint16(0x76), []byte{regReset, resetWord, 0xFF}, 3, int64(1e9))
	f.Fuzz(func(t *testing.T, addr uint16, w []byte, n int, step int64) {
		now := time.Unix(0, 0)
		chip := New(0x76, Env{celsius(20), 101325 * physic.Pascal, 50 * physic.PercentRH})
		chip.now = func() time.Time { return now }
		r := make([]byte, min(max(n, 0), 1024))
		for range 3 {
			_ = chip.Tx(addr, w, r)
			_ = chip.Tx(0x76, w, r)
			now = now.Add(time.Duration(step))
		}
	})
}
