package aggregate

import (
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// valueBytes counts one kept value (the struct and a short string).
const valueBytes = 64

func fixed(n int) func(Spec, bool) int { return func(Spec, bool) int { return n } }

func numeric(name string) func([]function.Arg) error {
	return func(args []function.Arg) error {
		if !function.AcceptNumber.Fits(args[0].Type) {
			return &function.ArgError{Index: 0, Msg: name + " takes a number, not " + args[0].Type.String()}
		}
		return nil
	}
}

// returning is a type rule with a fixed result type after an argument check.
func returning(t value.Type, check func([]function.Arg) error) func([]function.Arg, bool, bool) (value.Type, Spec, error) {
	return func(args []function.Arg, star, _ bool) (value.Type, Spec, error) {
		if star {
			return t, Spec{Star: true}, nil
		}
		if check != nil {
			if err := check(args); err != nil {
				return 0, Spec{}, err
			}
		}
		return t, Spec{Arg: args[0].Type}, nil
	}
}

// sameAsArg is the rule of MIN, MAX, FIRST, LAST: the argument's type.
func sameAsArg(args []function.Arg, _, _ bool) (value.Type, Spec, error) {
	t := args[0].Type
	if t == value.TypeNull {
		t = value.TypeJSON
	}
	return t, Spec{Arg: t}, nil
}

func sumType(args []function.Arg, star, distinct bool) (value.Type, Spec, error) {
	if err := numeric("SUM")(args); err != nil {
		return 0, Spec{}, err
	}
	t := args[0].Type
	switch t {
	case value.TypeInt, value.TypeDouble:
	case value.TypeNull:
		t = value.TypeInt
	default:
		t = value.TypeJSON
	}
	return t, Spec{Arg: t}, nil
}

func percentileType(args []function.Arg, _, _ bool) (value.Type, Spec, error) {
	if err := numeric("PERCENTILE")(args); err != nil {
		return 0, Spec{}, err
	}
	p := args[1]
	f, ok := p.Value.Number()
	if !p.Const || !ok || f < 0 || f > 1 {
		return 0, Spec{}, &function.ArgError{Index: 1, Msg: "the fraction of PERCENTILE must be a constant from 0 to 1, as in PERCENTILE(temp, 0.95)"}
	}
	return value.TypeDouble, Spec{Arg: args[0].Type, P: f}, nil
}

func variance(name string, sample, root bool) *Func {
	return &Func{Name: name, Min: 1, Max: 1, Check: returning(value.TypeDouble, numeric(name)),
		New:      func(Spec, bool) Accumulator { return &moments{sample: sample, root: root} },
		MaxBytes: fixed(48), Doc: varianceDoc(sample, root)}
}

func varianceDoc(sample, root bool) string {
	what := "variance"
	if root {
		what = "standard deviation"
	}
	if sample {
		return "sample " + what + " (n − 1); NULL for fewer than 2 values"
	}
	return "population " + what + " (n)"
}

func builtins() []*Func {
	return []*Func{
		{Name: "COUNT", Min: 1, Max: 1, Star: true, Distinct: true, Check: returning(value.TypeInt, nil),
			New: func(s Spec, distinct bool) Accumulator {
				switch {
				case distinct:
					return newDistinct()
				case s.Star:
					return &count{star: true}
				}
				return &count{}
			},
			MaxBytes: func(_ Spec, distinct bool) int {
				if distinct {
					return maxDistinctBytes
				}
				return 16
			},
			Doc: "COUNT(*): rows; COUNT(x): rows where x is not NULL; COUNT(DISTINCT x): distinct values (exact to 1,024, then ±1.6%)"},
		{Name: "SUM", Min: 1, Max: 1, Check: sumType, New: func(s Spec, _ bool) Accumulator { return &sum{typ: s.Arg} },
			MaxBytes: fixed(48), Doc: "sum; BIGINT for BIGINT (NULL on overflow), DOUBLE for DOUBLE"},
		{Name: "AVG", Min: 1, Max: 1, Check: returning(value.TypeDouble, numeric("AVG")),
			New: func(Spec, bool) Accumulator { return &avg{} }, MaxBytes: fixed(32), Doc: "mean"},
		{Name: "MIN", Min: 1, Max: 1, Check: sameAsArg, New: func(Spec, bool) Accumulator { return &extreme{sign: -1} },
			MaxBytes: fixed(valueBytes + 8), Doc: "smallest value"},
		{Name: "MAX", Min: 1, Max: 1, Check: sameAsArg, New: func(Spec, bool) Accumulator { return &extreme{sign: 1} },
			MaxBytes: fixed(valueBytes + 8), Doc: "largest value"},
		{Name: "FIRST", Min: 1, Max: 1, Check: sameAsArg, New: func(Spec, bool) Accumulator { return &edge{last: false} },
			MaxBytes: fixed(valueBytes + 16), Doc: "x of the earliest row where it is not NULL"},
		{Name: "LAST", Min: 1, Max: 1, Check: sameAsArg, New: func(Spec, bool) Accumulator { return &edge{last: true} },
			MaxBytes: fixed(valueBytes + 16), Doc: "x of the latest row where it is not NULL"},
		variance("STDDEV", true, true), variance("STDDEV_SAMP", true, true), variance("STDDEV_POP", false, true),
		variance("VARIANCE", true, false), variance("VAR_SAMP", true, false), variance("VAR_POP", false, false),
		{Name: "MEDIAN", Min: 1, Max: 1, Check: func(args []function.Arg, star, distinct bool) (value.Type, Spec, error) {
			if err := numeric("MEDIAN")(args); err != nil {
				return 0, Spec{}, err
			}
			return value.TypeDouble, Spec{Arg: args[0].Type, P: 0.5}, nil
		}, New: func(s Spec, _ bool) Accumulator { return newQuantile(s.P) }, MaxBytes: fixed(maxQuantileBytes),
			Doc: "PERCENTILE(x, 0.5)"},
		{Name: "PERCENTILE", Min: 2, Max: 2, Check: percentileType,
			New: func(s Spec, _ bool) Accumulator { return newQuantile(s.P) }, MaxBytes: fixed(maxQuantileBytes),
			Doc: "PERCENTILE(x, p): the p-quantile, interpolated (exact to 1,024 values, then a KLL sketch, rank within ±1.7%)"},
		{Name: "PERCENTILE_CONT", Min: 2, Max: 2, Check: percentileType,
			New: func(s Spec, _ bool) Accumulator { return newQuantile(s.P) }, MaxBytes: fixed(maxQuantileBytes),
			Doc: "PERCENTILE"},
	}
}
