package bme280

import (
	"fmt"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// maxSPISpeed is the BME280's SPI clock limit (datasheet §6.3).
const maxSPISpeed = 10 * physic.MegaHertz

// SPI returns the chip wired to an SPI port instead of I2C (the same chip:
// the same registers and measurements). In SPI mode the BME280 takes a
// 7-bit register address with bit 7 saying read (1) or write (0); the
// register is the address with bit 7 set (datasheet §6.3). A read sends the
// address and clocks out consecutive registers; a write is pairs of address
// and value.
func (c *Chip) SPI() spi.PortCloser { return &spiPort{c: c} }

type spiPort struct{ c *Chip }

func (p *spiPort) String() string { return p.c.String() + "/spi" }
func (p *spiPort) Close() error   { return nil }

func (p *spiPort) LimitSpeed(f physic.Frequency) error {
	if f <= 0 {
		return fmt.Errorf("bme280: invalid SPI speed %s", f)
	}
	return nil
}

// Connect accepts what the chip speaks: modes 0 and 3, 8-bit words, up to
// 10 MHz.
func (p *spiPort) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	switch {
	case f <= 0 || f > maxSPISpeed:
		return nil, fmt.Errorf("bme280: SPI clock %s is outside 0-%s", f, maxSPISpeed)
	case mode&^spi.NoCS != spi.Mode0 && mode&^spi.NoCS != spi.Mode3:
		return nil, fmt.Errorf("bme280: SPI mode %s: the chip takes modes 0 and 3", mode)
	case bits != 8:
		return nil, fmt.Errorf("bme280: %d-bit SPI words: the chip takes 8", bits)
	}
	return &spiConn{c: p.c}, nil
}

type spiConn struct{ c *Chip }

func (s *spiConn) String() string      { return s.c.String() + "/spi" }
func (s *spiConn) Duplex() conn.Duplex { return conn.Full }

// Tx is one chip-select cycle. Full duplex: r, when given, is as long as w,
// and its first byte (clocked out while the address goes in) is undefined.
func (s *spiConn) Tx(w, r []byte) error {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.fail != nil:
		return c.fail
	case len(w) == 0:
		return nil
	case len(r) != 0 && len(r) != len(w):
		return fmt.Errorf("bme280: SPI read of %d bytes for %d written: full duplex needs equal lengths", len(r), len(w))
	}
	now := c.now()
	c.advance(now)
	if w[0]&0x80 != 0 && len(r) > 0 {
		reg := w[0]
		r[0] = 0xff
		for i := 1; i < len(r); i++ {
			r[i] = c.read(reg, now)
			reg++
		}
		return nil
	}
	if len(w)%2 != 0 {
		return fmt.Errorf("bme280: SPI write of %d bytes: writes are address and value pairs", len(w))
	}
	for i := 0; i < len(w); i += 2 {
		c.write(w[i]|0x80, w[i+1], now)
	}
	return nil
}

func (s *spiConn) TxPackets(p []spi.Packet) error {
	for _, pk := range p {
		if err := s.Tx(pk.W, pk.R); err != nil {
			return err
		}
	}
	return nil
}
