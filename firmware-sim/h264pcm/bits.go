package h264pcm

import "math/bits"

// bitWriter writes a raw byte sequence payload (RBSP) most significant bit
// first, with the Exp-Golomb codes of H.264 clause 9.1.
type bitWriter struct {
	buf []byte
	cur byte
	n   uint // bits in cur
}

// u writes the low n bits of v (u(n) in the syntax tables).
func (w *bitWriter) u(n uint, v uint64) {
	for i := int(n) - 1; i >= 0; i-- {
		w.cur = w.cur<<1 | byte(v>>uint(i)&1)
		if w.n++; w.n == 8 {
			w.buf = append(w.buf, w.cur)
			w.cur, w.n = 0, 0
		}
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.u(1, 1)
	} else {
		w.u(1, 0)
	}
}

// ue writes an unsigned Exp-Golomb code: as many zeros as v+1 has bits
// after its leading one, then v+1.
func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	n := uint(bits.Len64(x))
	w.u(n-1, 0)
	w.u(n, x)
}

// se writes a signed Exp-Golomb code: 1, -1, 2, -2 … map to 1, 2, 3, 4 ….
func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*v - 1))
	} else {
		w.ue(uint32(-2 * v))
	}
}

// align writes zero bits up to a byte boundary (pcm_alignment_zero_bit).
func (w *bitWriter) align() {
	for w.n != 0 {
		w.u(1, 0)
	}
}

// raw writes whole bytes; the writer is aligned.
func (w *bitWriter) raw(b []byte) { w.buf = append(w.buf, b...) }

// trailing writes rbsp_trailing_bits: a one, then zeros to the byte
// boundary.
func (w *bitWriter) trailing() {
	w.u(1, 1)
	w.align()
}

// nal returns the NAL unit of header byte h and the RBSP written, with
// emulation prevention (clause 7.4.1): a 0x03 after any two zero bytes
// that a byte of 0 to 3 follows, so that no start code appears inside.
func (w *bitWriter) nal(h byte) []byte {
	out := make([]byte, 0, len(w.buf)+len(w.buf)/64+2)
	out = append(out, h)
	zeros := 0
	for _, b := range w.buf {
		if zeros >= 2 && b <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
