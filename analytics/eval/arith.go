package eval

import (
	"math"
	"math/bits"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// arithType is the static type of l op r for + - * / %, ok false when it has none.
func arithType(op ast.BinaryOp, l, r value.Type) (value.Type, bool) {
	switch {
	case l == value.TypeJSON || r == value.TypeJSON:
		return value.TypeJSON, true
	case l == value.TypeNull && r == value.TypeNull:
		return value.TypeNull, true
	case (l.Numeric() || l == value.TypeNull) && (r.Numeric() || r == value.TypeNull):
		return function.ArithType(l, r), true
	}
	// Time arithmetic; NULL stands for whichever type fits.
	is := func(t, want value.Type) bool { return t == want || t == value.TypeNull }
	num := func(t value.Type) bool { return t.Numeric() || t == value.TypeNull }
	switch op {
	case ast.OpAdd:
		switch {
		case is(l, value.TypeTimestamp) && is(r, value.TypeInterval) && l != r,
			is(l, value.TypeInterval) && is(r, value.TypeTimestamp) && l != r:
			return value.TypeTimestamp, true
		case is(l, value.TypeInterval) && is(r, value.TypeInterval):
			return value.TypeInterval, true
		}
	case ast.OpSub:
		switch {
		case l == value.TypeTimestamp && r == value.TypeTimestamp,
			l == value.TypeNull && r == value.TypeTimestamp:
			return value.TypeInterval, true
		case is(l, value.TypeTimestamp) && is(r, value.TypeInterval):
			return value.TypeTimestamp, true
		case is(l, value.TypeInterval) && is(r, value.TypeInterval):
			return value.TypeInterval, true
		}
	case ast.OpMul:
		if is(l, value.TypeInterval) && num(r) || num(l) && is(r, value.TypeInterval) {
			return value.TypeInterval, true
		}
	case ast.OpDiv:
		if is(l, value.TypeInterval) && num(r) {
			return value.TypeInterval, true
		}
	}
	return 0, false
}

// Arith computes l op r for + - * / % on values of any kinds, with the rules of
// arithType: NULL for NULL operands, kinds that do not combine, division by zero and
// overflow.
func Arith(op ast.BinaryOp, l, r value.Value) value.Value {
	lk, rk := l.Kind(), r.Kind()
	switch {
	case lk == value.KindInt && rk == value.KindInt:
		return intArith(op, l.AsInt(), r.AsInt())
	case (lk == value.KindInt || lk == value.KindDouble) && (rk == value.KindInt || rk == value.KindDouble):
		a, _ := l.Number()
		b, _ := r.Number()
		return doubleArith(op, a, b)
	}
	return timeArith(op, l, r)
}

func intArith(op ast.BinaryOp, a, b int64) value.Value {
	switch op {
	case ast.OpAdd:
		s := a + b
		if (s > a) != (b > 0) {
			return value.Null
		}
		return value.Int(s)
	case ast.OpSub:
		s := a - b
		if (s < a) != (b > 0) {
			return value.Null
		}
		return value.Int(s)
	case ast.OpMul:
		return mulInt(a, b)
	case ast.OpDiv:
		if b == 0 || (a == math.MinInt64 && b == -1) {
			return value.Null
		}
		return value.Int(a / b)
	}
	return function.Mod(value.Int(a), value.Int(b))
}

func mulInt(a, b int64) value.Value {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = -ua
	}
	if b < 0 {
		ub = -ub
	}
	hi, lo := bits.Mul64(ua, ub)
	switch {
	case hi != 0 || lo > 1<<63:
		return value.Null
	case lo == 1<<63:
		if neg {
			return value.Int(math.MinInt64)
		}
		return value.Null
	case neg:
		return value.Int(-int64(lo))
	}
	return value.Int(int64(lo))
}

func doubleArith(op ast.BinaryOp, a, b float64) value.Value {
	switch op {
	case ast.OpAdd:
		return value.Double(a + b)
	case ast.OpSub:
		return value.Double(a - b)
	case ast.OpMul:
		return value.Double(a * b)
	case ast.OpDiv:
		if b == 0 {
			return value.Null
		}
		return value.Double(a / b)
	}
	return function.Mod(value.Double(a), value.Double(b))
}

func timeArith(op ast.BinaryOp, l, r value.Value) value.Value {
	lk, rk := l.Kind(), r.Kind()
	add := func(a, b int64, k value.Kind) value.Value {
		v := intArith(ast.OpAdd, a, b)
		if v.IsNull() {
			return v
		}
		if k == value.KindTimestamp {
			return value.Timestamp(v.AsInt())
		}
		return value.Interval(timeDuration(v.AsInt()))
	}
	switch {
	case op == ast.OpAdd && lk == value.KindTimestamp && rk == value.KindInterval:
		return add(l.AsNanos(), r.AsNanos(), value.KindTimestamp)
	case op == ast.OpAdd && lk == value.KindInterval && rk == value.KindTimestamp:
		return add(l.AsNanos(), r.AsNanos(), value.KindTimestamp)
	case op == ast.OpAdd && lk == value.KindInterval && rk == value.KindInterval:
		return add(l.AsNanos(), r.AsNanos(), value.KindInterval)
	case op == ast.OpSub && lk == value.KindTimestamp && rk == value.KindInterval:
		return add(l.AsNanos(), -r.AsNanos(), value.KindTimestamp)
	case op == ast.OpSub && lk == value.KindTimestamp && rk == value.KindTimestamp:
		v := intArith(ast.OpSub, l.AsNanos(), r.AsNanos())
		if v.IsNull() {
			return v
		}
		return value.Interval(timeDuration(v.AsInt()))
	case op == ast.OpSub && lk == value.KindInterval && rk == value.KindInterval:
		return add(l.AsNanos(), -r.AsNanos(), value.KindInterval)
	case (op == ast.OpMul || op == ast.OpDiv) && lk == value.KindInterval:
		if f, ok := r.Number(); ok {
			return scaleInterval(l.AsNanos(), f, op == ast.OpDiv)
		}
	case op == ast.OpMul && rk == value.KindInterval:
		if f, ok := l.Number(); ok {
			return scaleInterval(r.AsNanos(), f, false)
		}
	}
	return value.Null
}

func scaleInterval(ns int64, f float64, divide bool) value.Value {
	if divide {
		if f == 0 {
			return value.Null
		}
		f = 1 / f
	}
	x := math.Round(float64(ns) * f)
	if math.IsNaN(x) || x >= 9223372036854775808.0 || x < -9223372036854775808.0 {
		return value.Null
	}
	return value.Interval(timeDuration(int64(x)))
}
