package value

import (
	"math"
	"time"
)

// Value is one SQL value. The zero Value is NULL. Values are immutable: composite values
// share their members, and nothing changes them after construction.
type Value struct {
	kind Kind
	bits uint64     // BOOLEAN 0/1, BIGINT, DOUBLE bits, TIMESTAMP and INTERVAL nanoseconds
	str  string     // STRING
	comp *composite // ARRAY, OBJECT
}

// composite is a JSON array (keys nil) or object (keys and vals in document order, each key
// once).
type composite struct {
	keys []string
	vals []Value
}

// Row is a tuple of values addressed by slot.
type Row []Value

// Null is the NULL value (the zero Value, named for readability).
var Null = Value{}

// Bool makes a BOOLEAN.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, bits: 1}
	}
	return Value{kind: KindBool}
}

// Int makes a BIGINT.
func Int(i int64) Value { return Value{kind: KindInt, bits: uint64(i)} }

// Double makes a DOUBLE.
func Double(f float64) Value { return Value{kind: KindDouble, bits: math.Float64bits(f)} }

// String makes a STRING.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Timestamp makes a TIMESTAMP from Unix nanoseconds.
func Timestamp(unixNanos int64) Value { return Value{kind: KindTimestamp, bits: uint64(unixNanos)} }

// Time makes a TIMESTAMP from a time.Time.
func Time(t time.Time) Value { return Timestamp(t.UnixNano()) }

// Interval makes an INTERVAL.
func Interval(d time.Duration) Value { return Value{kind: KindInterval, bits: uint64(d)} }

// Array makes a JSON array. It keeps elems: the caller must not change it afterwards.
func Array(elems []Value) Value {
	return Value{kind: KindArray, comp: &composite{vals: elems}}
}

// Object makes a JSON object from its members in order. It keeps keys and vals: the caller
// must not change them afterwards. A key given twice keeps its last value, as JSON decoders
// do.
func Object(keys []string, vals []Value) Value {
	if hasDuplicate(keys) {
		keys, vals = dedupe(keys, vals)
	}
	return Value{kind: KindObject, comp: &composite{keys: keys, vals: vals}}
}

func hasDuplicate(keys []string) bool {
	if len(keys) < 2 {
		return false
	}
	if len(keys) <= 16 {
		for i := 1; i < len(keys); i++ {
			for j := 0; j < i; j++ {
				if keys[i] == keys[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

// dedupe keeps the last value of each key, at the place of its first occurrence.
func dedupe(keys []string, vals []Value) ([]string, []Value) {
	at := make(map[string]int, len(keys))
	var k2 []string
	var v2 []Value
	for i, k := range keys {
		if j, ok := at[k]; ok {
			v2[j] = vals[i]
			continue
		}
		at[k] = len(k2)
		k2 = append(k2, k)
		v2 = append(v2, vals[i])
	}
	return k2, v2
}

// Kind is what v holds.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports NULL.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsBool is a BOOLEAN's value.
func (v Value) AsBool() bool { return v.bits != 0 }

// AsInt is a BIGINT's value.
func (v Value) AsInt() int64 { return int64(v.bits) }

// AsDouble is a DOUBLE's value.
func (v Value) AsDouble() float64 { return math.Float64frombits(v.bits) }

// AsString is a STRING's text.
func (v Value) AsString() string { return v.str }

// AsNanos is a TIMESTAMP's Unix nanoseconds or an INTERVAL's nanoseconds.
func (v Value) AsNanos() int64 { return int64(v.bits) }

// AsTime is a TIMESTAMP as a time.Time in UTC.
func (v Value) AsTime() time.Time { return time.Unix(0, int64(v.bits)).UTC() }

// AsDuration is an INTERVAL's length.
func (v Value) AsDuration() time.Duration { return time.Duration(v.bits) }

// Number is a BIGINT or DOUBLE as a float64; ok is false for other kinds.
func (v Value) Number() (f float64, ok bool) {
	switch v.kind {
	case KindInt:
		return float64(int64(v.bits)), true
	case KindDouble:
		return math.Float64frombits(v.bits), true
	}
	return 0, false
}

// Len is the number of elements of an array or members of an object, 0 otherwise.
func (v Value) Len() int {
	if v.comp == nil {
		return 0
	}
	return len(v.comp.vals)
}

// Elem is element i of an array; NULL when v is no array or i is out of range.
func (v Value) Elem(i int) Value {
	if v.kind != KindArray || i < 0 || i >= len(v.comp.vals) {
		return Null
	}
	return v.comp.vals[i]
}

// Member is the value of an object's member; NULL when v is no object or has no such key.
func (v Value) Member(key string) Value {
	if v.kind != KindObject {
		return Null
	}
	for i, k := range v.comp.keys {
		if k == key {
			return v.comp.vals[i]
		}
	}
	return Null
}

// Members are an object's keys and values in order (nil for other kinds). They must not be
// changed.
func (v Value) Members() ([]string, []Value) {
	if v.kind != KindObject {
		return nil, nil
	}
	return v.comp.keys, v.comp.vals
}

// Elems are an array's elements (nil for other kinds). They must not be changed.
func (v Value) Elems() []Value {
	if v.kind != KindArray {
		return nil
	}
	return v.comp.vals
}
