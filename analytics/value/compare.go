package value

import (
	"math"
	"strings"
)

// Compare compares a and b as SQL's = and < do: ok is false when either is NULL or their
// kinds cannot be compared (the comparison is unknown). Numbers compare with numbers
// exactly, whatever mix of BIGINT and DOUBLE; strings byte by byte (a binary collation);
// arrays element by element; objects by their members, keys in order.
func Compare(a, b Value) (c int, ok bool) {
	switch {
	case a.kind == KindNull || b.kind == KindNull:
		return 0, false
	case a.kind == b.kind:
		return compareSame(a, b), true
	case a.kind == KindInt && b.kind == KindDouble:
		return compareIntDouble(int64(a.bits), b.AsDouble()), true
	case a.kind == KindDouble && b.kind == KindInt:
		return -compareIntDouble(int64(b.bits), a.AsDouble()), true
	}
	return 0, false
}

// compareSame compares two values of one non-NULL kind.
func compareSame(a, b Value) int {
	switch a.kind {
	case KindBool, KindInt, KindTimestamp, KindInterval:
		return compareInt(int64(a.bits), int64(b.bits))
	case KindDouble:
		return CompareDouble(a.AsDouble(), b.AsDouble())
	case KindString:
		return strings.Compare(a.str, b.str)
	case KindArray:
		return compareArrays(a.comp.vals, b.comp.vals)
	}
	return compareObjects(a, b)
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareDouble orders doubles with NaN above every number and equal to itself, so that
// sorting and grouping stay consistent.
func CompareDouble(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	}
	return -1
}

// compareIntDouble compares an integer with a double exactly, without rounding the integer
// to the nearest double.
func compareIntDouble(i int64, f float64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f >= 9223372036854775808.0: // 2^63: above every int64
		return -1
	case f < -9223372036854775808.0:
		return 1
	}
	t := math.Trunc(f)
	ti := int64(t) // exact: |t| < 2^63
	if c := compareInt(i, ti); c != 0 {
		return c
	}
	switch frac := f - t; {
	case frac > 0:
		return -1
	case frac < 0:
		return 1
	}
	return 0
}

func compareArrays(a, b []Value) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := Order(a[i], b[i]); c != 0 {
			return c
		}
	}
	return compareInt(int64(len(a)), int64(len(b)))
}

func compareObjects(a, b Value) int {
	ak, av := a.Members()
	bk, bv := b.Members()
	for i := 0; i < len(ak) && i < len(bk); i++ {
		if c := strings.Compare(ak[i], bk[i]); c != 0 {
			return c
		}
		if c := Order(av[i], bv[i]); c != 0 {
			return c
		}
	}
	return compareInt(int64(len(ak)), int64(len(bk)))
}

// Equal reports a = b as known true; NULL equals nothing, not even NULL.
func Equal(a, b Value) bool {
	c, ok := Compare(a, b)
	return ok && c == 0
}

// Distinct reports a IS DISTINCT FROM b: like <>, but NULL is the same as NULL and
// different from any value, and values of kinds that cannot be compared differ.
func Distinct(a, b Value) bool {
	if a.kind == KindNull || b.kind == KindNull {
		return a.kind != b.kind
	}
	c, ok := Compare(a, b)
	return !ok || c != 0
}

// rank orders the kinds for Order: numbers share a rank, so that they compare as numbers.
func rank(k Kind) int {
	switch k {
	case KindNull:
		return 0
	case KindBool:
		return 1
	case KindInt, KindDouble:
		return 2
	case KindString:
		return 3
	case KindTimestamp:
		return 4
	case KindInterval:
		return 5
	case KindArray:
		return 6
	}
	return 7
}

// Order is a total order over all values, for ORDER BY, MIN and MAX: NULL first, then
// BOOLEAN, numbers, STRING, TIMESTAMP, INTERVAL, arrays and objects; within a kind as
// Compare.
func Order(a, b Value) int {
	ra, rb := rank(a.kind), rank(b.kind)
	if ra != rb {
		return compareInt(int64(ra), int64(rb))
	}
	if ra == 0 {
		return 0
	}
	c, _ := Compare(a, b)
	return c
}
