package frames

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxJPEG bounds one picture read from the decoder: a 3840×2160 JPEG at
// the highest quality stays well under it.
const maxJPEG = 32 << 20

var errJPEG = errors.New("malformed JPEG stream")

// nextJPEG reads one JPEG (SOI to EOI) from a stream of them, as ffmpeg's
// image2pipe writes: markers and their segments, and the entropy-coded
// data after SOS, where a 0xFF byte is always followed by 0x00 or a
// restart marker. It returns io.EOF at a clean end of the stream.
func nextJPEG(r *bufio.Reader) ([]byte, error) {
	b := make([]byte, 0, 64<<10)
	soi, err := r.Peek(2)
	if err == io.EOF && len(soi) == 0 {
		return nil, io.EOF
	}
	if err != nil || soi[0] != 0xFF || soi[1] != 0xD8 {
		return nil, fmt.Errorf("%w: no start of image", errJPEG)
	}
	b = append(b, 0xFF, 0xD8)
	r.Discard(2)
	scanned := false // the marker's 0xFF was read by readScan
	for {
		m, fill, err := readMarker(r, scanned)
		scanned = false
		if err != nil {
			return nil, err
		}
		for range fill + 1 {
			b = append(b, 0xFF)
		}
		b = append(b, m)
		switch {
		case m == 0xD9: // EOI
			return b, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			continue // no segment
		}
		if b, err = readSegment(r, b); err != nil {
			return nil, err
		}
		if m == 0xDA { // SOS: the entropy-coded data follows
			if b, err = readScan(r, b); err != nil {
				return nil, err
			}
			scanned = true
		}
		if len(b) > maxJPEG {
			return nil, fmt.Errorf("%w: a picture over %d bytes", errJPEG, maxJPEG)
		}
	}
}

// readMarker reads a marker (0xFF, fill bytes 0xFF, the code) and returns
// its code and how many fill bytes came before it; haveFF says its first
// 0xFF was read already.
func readMarker(r *bufio.Reader, haveFF bool) (code byte, fill int, err error) {
	if !haveFF {
		c, err := r.ReadByte()
		if err != nil || c != 0xFF {
			return 0, 0, fmt.Errorf("%w: no marker", errJPEG)
		}
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, 0, fmt.Errorf("%w: truncated", errJPEG)
		}
		if c != 0xFF {
			return c, fill, nil
		}
		if fill++; fill > maxJPEG {
			return 0, 0, fmt.Errorf("%w: endless fill bytes", errJPEG)
		}
	}
}

// readSegment appends a marker segment: its 2-byte length (which counts
// itself) and its data.
func readSegment(r *bufio.Reader, b []byte) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, fmt.Errorf("%w: truncated", errJPEG)
	}
	n := int(l[0])<<8 | int(l[1])
	if n < 2 {
		return nil, fmt.Errorf("%w: segment length %d", errJPEG, n)
	}
	b = append(b, l[0], l[1])
	start := len(b)
	b = append(b, make([]byte, n-2)...)
	if _, err := io.ReadFull(r, b[start:]); err != nil {
		return nil, fmt.Errorf("%w: truncated", errJPEG)
	}
	return b, nil
}

// readScan appends entropy-coded data up to the next marker that is not
// a restart marker, and reads that marker's 0xFF.
func readScan(r *bufio.Reader, b []byte) ([]byte, error) {
	for {
		chunk, err := r.ReadSlice(0xFF)
		if err == bufio.ErrBufferFull {
			b = append(b, chunk...)
			if len(b) > maxJPEG {
				return nil, fmt.Errorf("%w: a picture over %d bytes", errJPEG, maxJPEG)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: truncated", errJPEG)
		}
		b = append(b, chunk[:len(chunk)-1]...)
		next, err := r.Peek(1)
		if err != nil {
			return nil, fmt.Errorf("%w: truncated", errJPEG)
		}
		if next[0] != 0x00 && (next[0] < 0xD0 || next[0] > 0xD7) {
			return b, nil // a marker: its 0xFF is read
		}
		b = append(b, 0xFF, next[0])
		r.Discard(1)
		if len(b) > maxJPEG {
			return nil, fmt.Errorf("%w: a picture over %d bytes", errJPEG, maxJPEG)
		}
	}
}
