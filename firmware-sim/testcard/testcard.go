// Package testcard draws the picture a simulated camera sends: colour bars,
// a box moving across them, and burned in, the frame counter and the
// camera's clock, so that a frame seen anywhere downstream (a clip, an
// ML frame) tells which one it is and when it was taken.
package testcard

import (
	"fmt"
	"image"
	"time"
)

// Card draws frames of one size. Draw reuses its picture: the caller
// encodes or copies it before the next Draw.
type Card struct {
	img   *image.YCbCr
	scale int
}

// New returns a card of w×h pixels (even, at least 64×48).
func New(w, h int) (*Card, error) {
	if w < 64 || h < 48 || w%2 != 0 || h%2 != 0 || w > 4096 || h > 4096 {
		return nil, fmt.Errorf("testcard: size %dx%d: want even sizes from 64x48 to 4096x4096", w, h)
	}
	return &Card{img: image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420), scale: max(1, w/320)}, nil
}

// The bars: white, yellow, cyan, green, magenta, red, blue, black, in
// BT.601 YCbCr at 75 %.
var bars = [8][3]uint8{
	{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
	{84, 184, 198}, {65, 100, 212}, {35, 212, 114}, {16, 128, 128},
}

// Draw draws frame n taken at t.
func (c *Card) Draw(n int64, t time.Time) *image.YCbCr {
	img := c.img
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		for x := range w {
			b := bars[x*8/w]
			img.Y[y*img.YStride+x] = b[0]
			if x%2 == 0 && y%2 == 0 {
				img.Cb[(y/2)*img.CStride+x/2] = b[1]
				img.Cr[(y/2)*img.CStride+x/2] = b[2]
			}
		}
	}
	// A box crossing the bars, back and forth, in two seconds at 25 fps.
	side := h / 5 &^ 1
	span := w - side
	pos := int(n % 50)
	if pos >= 25 {
		pos = 50 - pos
	}
	x0, y0 := pos*span/25&^1, (h/2-side/2)&^1
	c.fill(x0, y0, side, side, 235, 128, 128)
	s := c.scale
	lines := []string{fmt.Sprintf("#%08d", n), t.UTC().Format("2006-01-02T15:04:05.000Z")}
	y := 2 * s
	for _, line := range lines {
		c.text(2*s, y, line, s)
		y += (glyphH + 3) * s
	}
	return img
}

// fill paints a rectangle (even position and size) a flat colour.
func (c *Card) fill(x0, y0, w, h int, yy, cb, cr uint8) {
	img := c.img
	x1, y1 := min(x0+w, img.Rect.Dx()), min(y0+h, img.Rect.Dy())
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			img.Y[y*img.YStride+x] = yy
			img.Cb[(y/2)*img.CStride+x/2] = cb
			img.Cr[(y/2)*img.CStride+x/2] = cr
		}
	}
}

// text prints white on a black band, scaled s times.
func (c *Card) text(x0, y0 int, s string, scale int) {
	bw := (len(s)*cellW + 1) * scale
	c.fill(x0&^1, y0&^1, (bw+1)&^1, ((glyphH+2)*scale+1)&^1, 16, 128, 128)
	img := c.img
	for i, r := range s {
		g := glyphs[r]
		for row := range glyphH {
			for col := range glyphW {
				if g[row]&(0x10>>col) == 0 {
					continue
				}
				for dy := range scale {
					for dx := range scale {
						x := x0 + (1+i*cellW+col)*scale + dx
						y := y0 + (1+row)*scale + dy
						if x < img.Rect.Dx() && y < img.Rect.Dy() {
							img.Y[y*img.YStride+x] = 235
						}
					}
				}
			}
		}
	}
}
