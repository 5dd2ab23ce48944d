package testcard

import (
	"bytes"
	"testing"
	"time"
)

func TestDraw(t *testing.T) {
	c, err := New(320, 240)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	a := bytes.Clone(c.Draw(7, at).Y)
	if b := c.Draw(7, at).Y; !bytes.Equal(a, b) {
		t.Error("the same frame drew two pictures")
	}
	b := bytes.Clone(c.Draw(8, at).Y)
	// Frame 8 differs from 7 in the counter (top left) and the box
	// (middle); the bottom quarter, all bars, is the same.
	changed := func(y0, y1 int) bool { return !bytes.Equal(a[y0*320:y1*320], b[y0*320:y1*320]) }
	if !changed(0, 12) || !changed(96, 144) || changed(180, 240) {
		t.Errorf("changed: counter %v, box %v, bottom %v", changed(0, 12), changed(96, 144), changed(180, 240))
	}
	// The counter's last digit: 7 and 8 differ in their glyphs' pixels,
	// drawn white (235).
	whites := func(y []byte) int {
		n := 0
		for _, v := range y[:12*320] {
			if v == 235 {
				n++
			}
		}
		return n
	}
	if whites(a) == 0 || whites(a) == whites(b) {
		t.Errorf("white pixels of the counter: %d and %d", whites(a), whites(b))
	}
	for _, size := range [][2]int{{63, 48}, {64, 47}, {65, 48}, {8192, 48}} {
		if _, err := New(size[0], size[1]); err == nil {
			t.Errorf("size %v taken", size)
		}
	}
}
