package function

import (
	"math"

	"github.com/tidegate/tidegate/analytics/value"
)

// num reads a number argument as a float64.
func num(v value.Value) (float64, bool) { return v.Number() }

// double returns f as a DOUBLE, NULL when it is NaN (a domain error).
func double(f float64) value.Value {
	if math.IsNaN(f) {
		return value.Null
	}
	return value.Double(f)
}

// unaryDouble makes a DOUBLE → DOUBLE function; domain gives the inputs it takes.
func unaryDouble(name, doc string, f func(float64) float64, domain func(float64) bool) *Func {
	return &Func{Name: name, Min: 1, Max: 1, Doc: doc,
		Check: sig(name, value.TypeDouble, AcceptNumber),
		Eval: func(_ *Context, a []value.Value) value.Value {
			x, ok := num(a[0])
			if !ok || (domain != nil && !domain(x)) {
				return value.Null
			}
			return double(f(x))
		}}
}

// intOrDouble makes a function that keeps BIGINT as it is and maps a DOUBLE with f.
func intOrDouble(name, doc string, f func(float64) float64) *Func {
	return &Func{Name: name, Min: 1, Max: 1, Doc: doc, Check: sameNumber(name),
		Eval: func(_ *Context, a []value.Value) value.Value {
			switch a[0].Kind() {
			case value.KindInt:
				return a[0]
			case value.KindDouble:
				return double(f(a[0].AsDouble()))
			}
			return value.Null
		}}
}

func positive(x float64) bool    { return x > 0 }
func nonNegative(x float64) bool { return x >= 0 }
func unit(x float64) bool        { return x >= -1 && x <= 1 }

func mathFuncs() []*Func {
	return []*Func{
		{Name: "ABS", Min: 1, Max: 1, Check: sameNumber("ABS"), Doc: "absolute value",
			Eval: func(_ *Context, a []value.Value) value.Value {
				switch v := a[0]; v.Kind() {
				case value.KindInt:
					if n := v.AsInt(); n < 0 {
						if n == math.MinInt64 {
							return value.Null
						}
						return value.Int(-n)
					}
					return v
				case value.KindDouble:
					return value.Double(math.Abs(v.AsDouble()))
				}
				return value.Null
			}},
		{Name: "SIGN", Min: 1, Max: 1, Check: sig("SIGN", value.TypeInt, AcceptNumber), Doc: "-1, 0 or 1",
			Eval: func(_ *Context, a []value.Value) value.Value {
				x, ok := num(a[0])
				switch {
				case !ok || math.IsNaN(x):
					return value.Null
				case x > 0:
					return value.Int(1)
				case x < 0:
					return value.Int(-1)
				}
				return value.Int(0)
			}},
		{Name: "ROUND", Min: 1, Max: 2, Check: roundCheck, Eval: roundEval,
			Doc: "rounds half away from zero, to a number of decimal places (default 0)"},
		intOrDouble("FLOOR", "largest whole number not above x", math.Floor),
		intOrDouble("CEIL", "smallest whole number not below x", math.Ceil),
		intOrDouble("CEILING", "CEIL", math.Ceil),
		intOrDouble("TRUNC", "x with its fraction dropped", math.Trunc),
		unaryDouble("SQRT", "square root; NULL below 0", math.Sqrt, nonNegative),
		unaryDouble("CBRT", "cube root", math.Cbrt, nil),
		unaryDouble("EXP", "e to the power x", math.Exp, nil),
		unaryDouble("LN", "natural logarithm; NULL at or below 0", math.Log, positive),
		unaryDouble("LOG10", "base-10 logarithm; NULL at or below 0", math.Log10, positive),
		unaryDouble("LOG2", "base-2 logarithm; NULL at or below 0", math.Log2, positive),
		unaryDouble("SIN", "sine (radians)", math.Sin, nil),
		unaryDouble("COS", "cosine (radians)", math.Cos, nil),
		unaryDouble("TAN", "tangent (radians)", math.Tan, nil),
		unaryDouble("ASIN", "arc sine; NULL outside [-1, 1]", math.Asin, unit),
		unaryDouble("ACOS", "arc cosine; NULL outside [-1, 1]", math.Acos, unit),
		unaryDouble("ATAN", "arc tangent", math.Atan, nil),
		unaryDouble("DEGREES", "radians to degrees", func(x float64) float64 { return x * 180 / math.Pi }, nil),
		unaryDouble("RADIANS", "degrees to radians", func(x float64) float64 { return x * math.Pi / 180 }, nil),
		{Name: "ATAN2", Min: 2, Max: 2, Check: sig("ATAN2", value.TypeDouble, AcceptNumber), Doc: "arc tangent of y/x",
			Eval: binaryDouble(math.Atan2)},
		{Name: "POWER", Min: 2, Max: 2, Check: sig("POWER", value.TypeDouble, AcceptNumber), Doc: "x to the power y",
			Eval: binaryDouble(math.Pow)},
		{Name: "POW", Min: 2, Max: 2, Check: sig("POW", value.TypeDouble, AcceptNumber), Doc: "POWER",
			Eval: binaryDouble(math.Pow)},
		{Name: "LOG", Min: 2, Max: 2, Check: sig("LOG", value.TypeDouble, AcceptNumber), Doc: "LOG(b, x): logarithm of x to base b",
			Eval: binaryDouble(func(b, x float64) float64 {
				if b <= 0 || b == 1 || x <= 0 {
					return math.NaN()
				}
				return math.Log(x) / math.Log(b)
			})},
		{Name: "MOD", Min: 2, Max: 2, Check: modCheck, Doc: "remainder of x / y, with the sign of x; NULL for y = 0",
			Eval: func(_ *Context, a []value.Value) value.Value { return Mod(a[0], a[1]) }},
		{Name: "PI", Min: 0, Max: 0, Check: sig("PI", value.TypeDouble), Doc: "π",
			Eval: func(*Context, []value.Value) value.Value { return value.Double(math.Pi) }},
		{Name: "GREATEST", Min: 1, Max: -1, Check: commonOf("GREATEST", AcceptAny), NullSafe: true,
			Doc: "the largest argument, NULLs ignored", Eval: extreme(1)},
		{Name: "LEAST", Min: 1, Max: -1, Check: commonOf("LEAST", AcceptAny), NullSafe: true,
			Doc: "the smallest argument, NULLs ignored", Eval: extreme(-1)},
	}
}

func binaryDouble(f func(x, y float64) float64) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		x, ok1 := num(a[0])
		y, ok2 := num(a[1])
		if !ok1 || !ok2 {
			return value.Null
		}
		r := f(x, y)
		if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return value.Null // overflow or a pole
		}
		return double(r)
	}
}

func roundCheck(args []Arg) (value.Type, error) {
	if err := checkArgs("ROUND", args, AcceptNumber, AcceptInt); err != nil {
		return 0, err
	}
	return sameNumber("ROUND")(args[:1])
}

func roundEval(_ *Context, a []value.Value) value.Value {
	v := a[0]
	if v.Kind() == value.KindInt {
		if len(a) == 2 && a[1].Kind() == value.KindInt && a[1].AsInt() < 0 {
			p := math.Pow(10, float64(-a[1].AsInt()))
			r, ok := value.DoubleToInt(math.Round(float64(v.AsInt())/p) * p)
			if !ok {
				return value.Null
			}
			return r
		}
		return v
	}
	x, ok := num(v)
	if !ok {
		return value.Null
	}
	digits := int64(0)
	if len(a) == 2 {
		if a[1].Kind() != value.KindInt {
			return value.Null
		}
		digits = a[1].AsInt()
	}
	if digits == 0 {
		return value.Double(math.Round(x))
	}
	if digits > 308 || digits < -308 {
		return value.Double(x)
	}
	p := math.Pow(10, float64(digits))
	r := math.Round(x*p) / p
	if math.IsInf(x*p, 0) {
		r = x
	}
	return double(r)
}

func modCheck(args []Arg) (value.Type, error) {
	if err := checkArgs("MOD", args, AcceptNumber); err != nil {
		return 0, err
	}
	return ArithType(args[0].Type, args[1].Type), nil
}

// ArithType is the type of + - * / % over two numeric types: BIGINT when both are, DOUBLE
// when one is, JSON when either is JSON.
func ArithType(a, b value.Type) value.Type {
	switch {
	case a == value.TypeJSON || b == value.TypeJSON:
		return value.TypeJSON
	case a == value.TypeDouble || b == value.TypeDouble:
		return value.TypeDouble
	case a == value.TypeNull && b == value.TypeNull:
		return value.TypeInt
	}
	return value.TypeInt
}

// Mod is x % y: truncated, the sign of x; NULL for y = 0 or non-numbers.
func Mod(x, y value.Value) value.Value {
	if x.Kind() == value.KindInt && y.Kind() == value.KindInt {
		d := y.AsInt()
		if d == 0 {
			return value.Null
		}
		if d == -1 {
			return value.Int(0)
		}
		return value.Int(x.AsInt() % d)
	}
	a, ok1 := num(x)
	b, ok2 := num(y)
	if !ok1 || !ok2 || b == 0 {
		return value.Null
	}
	return double(math.Mod(a, b))
}

// extreme returns the largest (sign 1) or smallest (-1) non-NULL argument (the compiler
// promotes it to the common type).
func extreme(sign int) Impl {
	return func(_ *Context, a []value.Value) value.Value {
		best := value.Null
		for _, v := range a {
			if v.IsNull() {
				continue
			}
			if best.IsNull() {
				best = v
				continue
			}
			if c, ok := value.Compare(v, best); ok && c*sign > 0 {
				best = v
			} else if !ok {
				return value.Null
			}
		}
		return best
	}
}
