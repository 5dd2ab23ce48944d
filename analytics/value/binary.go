package value

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrCorrupt is returned by ReadBinary for bytes that AppendBinary did not write.
var ErrCorrupt = errors.New("value: corrupt binary value")

// maxBinaryDepth bounds the nesting ReadBinary follows, so that corrupt or hostile bytes
// cannot exhaust the stack.
const maxBinaryDepth = 1000

// AppendBinary appends v in a compact binary form that ReadBinary reads back to an equal
// value of the same kind (unlike AppendKey, 1.0 stays a DOUBLE). Operator state uses it in
// checkpoints.
func AppendBinary(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.kind))
	switch v.kind {
	case KindNull:
	case KindBool, KindInt, KindDouble, KindTimestamp, KindInterval:
		dst = binary.AppendUvarint(dst, v.bits)
	case KindString:
		dst = binary.AppendUvarint(dst, uint64(len(v.str)))
		dst = append(dst, v.str...)
	case KindArray:
		dst = binary.AppendUvarint(dst, uint64(len(v.comp.vals)))
		for _, e := range v.comp.vals {
			dst = AppendBinary(dst, e)
		}
	case KindObject:
		dst = binary.AppendUvarint(dst, uint64(len(v.comp.keys)))
		for i, k := range v.comp.keys {
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
			dst = AppendBinary(dst, v.comp.vals[i])
		}
	}
	return dst
}

// ReadBinary reads one value written by AppendBinary from the front of src and returns
// the bytes after it.
func ReadBinary(src []byte) (Value, []byte, error) {
	return readBinary(src, 0)
}

func readBinary(src []byte, depth int) (Value, []byte, error) {
	if len(src) == 0 || depth > maxBinaryDepth {
		return Null, nil, ErrCorrupt
	}
	k := Kind(src[0])
	src = src[1:]
	switch k {
	case KindNull:
		return Null, src, nil
	case KindBool, KindInt, KindDouble, KindTimestamp, KindInterval:
		bits, n := binary.Uvarint(src)
		if n <= 0 || (k == KindBool && bits > 1) {
			return Null, nil, ErrCorrupt
		}
		return Value{kind: k, bits: bits}, src[n:], nil
	case KindString:
		s, rest, err := readString(src)
		return String(s), rest, err
	case KindArray, KindObject:
		count, n := binary.Uvarint(src)
		if n <= 0 || count > uint64(len(src)) {
			return Null, nil, ErrCorrupt
		}
		src = src[n:]
		var keys []string
		vals := make([]Value, 0, count)
		for range count {
			if k == KindObject {
				key, rest, err := readString(src)
				if err != nil {
					return Null, nil, err
				}
				keys, src = append(keys, key), rest
			}
			v, rest, err := readBinary(src, depth+1)
			if err != nil {
				return Null, nil, err
			}
			vals, src = append(vals, v), rest
		}
		if k == KindArray {
			return Array(vals), src, nil
		}
		if keys == nil {
			keys = []string{}
		}
		return Object(keys, vals), src, nil
	}
	return Null, nil, fmt.Errorf("%w: kind %d", ErrCorrupt, k)
}

func readString(src []byte) (string, []byte, error) {
	n, w := binary.Uvarint(src)
	if w <= 0 || n > uint64(len(src)-w) {
		return "", nil, ErrCorrupt
	}
	return string(src[w : w+int(n)]), src[w+int(n):], nil
}
