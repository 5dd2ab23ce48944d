package frames

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// mjpegPicture returns an MJPEG frame as the picture: as the camera made
// it, or scaled and encoded again when a size is asked.
func mjpegPicture(payload []byte, width, height, quality int) (b []byte, w, h int, err error) {
	if width == 0 && height == 0 {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(payload))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%w: an MJPEG frame is no JPEG: %v", ErrDecode, err)
		}
		return payload, cfg.Width, cfg.Height, nil
	}
	src, err := jpeg.Decode(bytes.NewReader(payload))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: an MJPEG frame is no JPEG: %v", ErrDecode, err)
	}
	w, h = fitSize(src.Bounds().Dx(), src.Bounds().Dy(), width, height)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scale(src, w, h), &jpeg.Options{Quality: quality}); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), w, h, nil
}

// fitSize is the size asked, the missing side keeping the aspect ratio.
func fitSize(sw, sh, width, height int) (int, int) {
	switch {
	case width == 0:
		width = max(1, sw*height/max(sh, 1))
	case height == 0:
		height = max(1, sh*width/max(sw, 1))
	}
	return width, height
}

// scale resizes by averaging the source pixels each destination pixel
// covers (nearest pixel when enlarging): plain, and good enough for
// thumbnails and model inputs.
func scale(src image.Image, w, h int) image.Image {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0 := b.Min.Y + y*b.Dy()/h
		y1 := max(y0+1, b.Min.Y+(y+1)*b.Dy()/h)
		for x := range w {
			x0 := b.Min.X + x*b.Dx()/w
			x1 := max(x0+1, b.Min.X+(x+1)*b.Dx()/w)
			var r, g, bl, n uint32
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, _ := src.At(sx, sy).RGBA()
					r, g, bl, n = r+cr, g+cg, bl+cb, n+1
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), 0xFF})
		}
	}
	return dst
}
