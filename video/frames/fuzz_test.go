package frames

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"testing"
)

// FuzzNextJPEG feeds the JPEG stream splitter any bytes (a decoder gone
// wrong): it never panics, and each picture it returns starts with SOI,
// ends with EOI and is a prefix of what is left of the input.
func FuzzNextJPEG(f *testing.F) {
	var a, b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(3, 3, color.White)
	jpeg.Encode(&a, img, &jpeg.Options{Quality: 90})
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 10})
	f.Add(append(a.Bytes(), b.Bytes()...))
	f.Add(a.Bytes()[:a.Len()/2])
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0x00, 0xFF, 0xD0, 0xFF, 0xD9})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		rest := in
		for {
			p, err := nextJPEG(r)
			if errors.Is(err, io.EOF) {
				if len(rest) != 0 {
					t.Fatalf("EOF with %d bytes left", len(rest))
				}
				return
			}
			if err != nil {
				if !errors.Is(err, errJPEG) {
					t.Fatalf("error %v is not errJPEG", err)
				}
				return
			}
			if len(p) < 4 || p[0] != 0xFF || p[1] != 0xD8 || p[len(p)-2] != 0xFF || p[len(p)-1] != 0xD9 {
				t.Fatalf("picture %x", p)
			}
			if !bytes.HasPrefix(rest, p) {
				t.Fatal("the picture is not what the stream held")
			}
			rest = rest[len(p):]
		}
	})
}

// Two JPEGs back to back split into the two.
func TestNextJPEG(t *testing.T) {
	var a, b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	jpeg.Encode(&a, img, &jpeg.Options{Quality: 100})
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 1})
	r := bufio.NewReaderSize(bytes.NewReader(append(a.Bytes(), b.Bytes()...)), 16)
	for i, want := range [][]byte{a.Bytes(), b.Bytes()} {
		p, err := nextJPEG(r)
		if err != nil || !bytes.Equal(p, want) {
			t.Fatalf("picture %d: %d bytes, %v; want %d bytes", i, len(p), err, len(want))
		}
	}
	if _, err := nextJPEG(r); !errors.Is(err, io.EOF) {
		t.Errorf("after the last: %v", err)
	}
}
