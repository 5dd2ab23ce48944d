package bme280

import (
	"strings"
	"testing"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/bmxx80"
)

// The real bmxx80 driver over SPI reads what the chip holds, as over I2C.
func TestDriverReadsEnvironmentOverSPI(t *testing.T) {
	env := Env{celsius(23.75), 100950 * physic.Pascal, 52 * physic.PercentRH}
	chip := New(0x76, env)
	dev, err := bmxx80.NewSPI(chip.SPI(), &bmxx80.DefaultOpts)
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
	checkEnv(t, got, env)
	chip.Set(Env{celsius(-5), 101325 * physic.Pascal, 80 * physic.PercentRH})
	if err := dev.Sense(&got); err != nil {
		t.Fatal(err)
	}
	checkEnv(t, got, Env{celsius(-5), 101325 * physic.Pascal, 80 * physic.PercentRH})
}

func TestSPIRefusesWhatTheChipCannotSpeak(t *testing.T) {
	p := New(0x76, Env{}).SPI()
	for name, connect := range map[string]func() (spi.Conn, error){
		"too fast": func() (spi.Conn, error) { return p.Connect(20*physic.MegaHertz, spi.Mode3, 8) },
		"mode 1":   func() (spi.Conn, error) { return p.Connect(physic.MegaHertz, spi.Mode1, 8) },
		"16 bits":  func() (spi.Conn, error) { return p.Connect(physic.MegaHertz, spi.Mode0, 16) },
	} {
		if _, err := connect(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := p.Connect(physic.MegaHertz, spi.Mode0, 8)
	if err != nil {
		t.Fatal(err)
	}
	r := make([]byte, 2)
	if err := c.Tx([]byte{0xd0, 0}, r); err != nil || r[1] != ChipID {
		t.Errorf("chip id over SPI: %#x %v", r[1], err)
	}
	if err := c.Tx([]byte{0x74}, nil); err == nil {
		t.Error("a write without its value was accepted")
	}
}
