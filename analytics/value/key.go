package value

import (
	"encoding/binary"
	"math"
)

// AppendKey appends an encoding of v that is equal for two values exactly when they are
// the same for GROUP BY and DISTINCT: NULL with NULL, and values that Compare calls equal
// (1 and 1.0 alike, -0.0 and 0.0 alike, every NaN alike). Keys of several values appended
// one after another stay unambiguous, so that a composite group key is one string.
func AppendKey(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, 0)
	case KindBool, KindTimestamp, KindInterval:
		dst = append(dst, byte(v.kind))
		return binary.BigEndian.AppendUint64(dst, v.bits)
	case KindInt:
		dst = append(dst, byte(KindInt))
		return binary.BigEndian.AppendUint64(dst, v.bits)
	case KindDouble:
		f := v.AsDouble()
		if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
			dst = append(dst, byte(KindInt))
			return binary.BigEndian.AppendUint64(dst, uint64(int64(f)))
		}
		if math.IsNaN(f) {
			f = math.NaN()
		}
		dst = append(dst, byte(KindDouble))
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
	case KindString:
		dst = append(dst, byte(KindString))
		dst = binary.AppendUvarint(dst, uint64(len(v.str)))
		return append(dst, v.str...)
	case KindArray:
		dst = append(dst, byte(KindArray))
		dst = binary.AppendUvarint(dst, uint64(len(v.comp.vals)))
		for _, e := range v.comp.vals {
			dst = AppendKey(dst, e)
		}
		return dst
	}
	dst = append(dst, byte(KindObject))
	dst = binary.AppendUvarint(dst, uint64(len(v.comp.keys)))
	for i, k := range v.comp.keys {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		dst = AppendKey(dst, v.comp.vals[i])
	}
	return dst
}
