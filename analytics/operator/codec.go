package operator

import (
	"encoding/binary"
	"errors"

	"github.com/tidegate/tidegate/analytics/value"
)

// ErrSnapshot wraps every reason Restore refuses its bytes.
var ErrSnapshot = errors.New("operator: bad snapshot")

// writer appends the pieces of a snapshot.
type writer struct{ b []byte }

func (w *writer) u(x uint64) { w.b = binary.AppendUvarint(w.b, x) }
func (w *writer) n(x int)    { w.u(uint64(x)) }
func (w *writer) i(x int64)  { w.b = binary.AppendVarint(w.b, x) }

func (w *writer) flag(x bool) {
	if x {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *writer) bytes(p []byte) {
	w.n(len(p))
	w.b = append(w.b, p...)
}

func (w *writer) str(s string) {
	w.n(len(s))
	w.b = append(w.b, s...)
}

func (w *writer) row(row value.Row) {
	w.n(len(row))
	for _, v := range row {
		w.b = value.AppendBinary(w.b, v)
	}
}

// reader reads the pieces of a snapshot; the first fault sticks, and every read after it
// gives zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = errors.New(what)
	}
}

func (r *reader) u() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated number")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) i() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("truncated number")
		return 0
	}
	r.b = r.b[n:]
	return x
}

// count reads a number of things to come, each at least one byte long.
func (r *reader) count() int {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail("a count beyond the bytes left")
		return 0
	}
	return int(n)
}

// small reads a number that must be below limit.
func (r *reader) small(limit int) int {
	n := r.u()
	if n >= uint64(limit) {
		r.fail("a number out of range")
		return 0
	}
	return int(n)
}

func (r *reader) flag() bool {
	if r.err != nil {
		return false
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail("a bad flag")
		return false
	}
	x := r.b[0] == 1
	r.b = r.b[1:]
	return x
}

func (r *reader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	x := r.b[0]
	r.b = r.b[1:]
	return x
}

func (r *reader) bytes() []byte {
	n := r.u()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("truncated bytes")
		return nil
	}
	p := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return p
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) val() value.Value {
	if r.err != nil {
		return value.Null
	}
	v, rest, err := value.ReadBinary(r.b)
	if err != nil {
		r.fail("a bad value")
		return value.Null
	}
	r.b = rest
	return v
}

// row reads a row of exactly width values.
func (r *reader) row(width int) value.Row {
	if n := r.u(); r.err == nil && n != uint64(width) {
		r.fail("a row of the wrong width")
	}
	if r.err != nil {
		return nil
	}
	row := make(value.Row, width)
	for i := range row {
		row[i] = r.val()
	}
	return row
}
