package aggregate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// call makes an accumulator for name(args) with an argument of type t (p: a constant
// second argument).
func call(t *testing.T, name string, typ value.Type, star, distinct bool, extra ...value.Value) (Accumulator, value.Type, func() Accumulator) {
	t.Helper()
	f, ok := Builtins().Lookup(name)
	if !ok {
		t.Fatalf("no aggregate %s", name)
	}
	var args []function.Arg
	if !star {
		args = append(args, function.Arg{Type: typ})
		for _, e := range extra {
			args = append(args, function.Arg{Type: value.Type(e.Kind()), Const: true, Value: e})
		}
	}
	rt, spec, err := f.CheckCall(args, star, distinct)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	mk := func() Accumulator { return f.New(spec, distinct) }
	return mk(), rt, mk
}

func ints(xs ...any) []value.Value {
	var out []value.Value
	for _, x := range xs {
		switch x := x.(type) {
		case nil:
			out = append(out, value.Null)
		case int:
			out = append(out, value.Int(int64(x)))
		case int64:
			out = append(out, value.Int(x))
		case float64:
			out = append(out, value.Double(x))
		case string:
			out = append(out, value.String(x))
		}
	}
	return out
}

func TestAggregates(t *testing.T) {
	in := ints(4, nil, 1, 7, 1, 9, nil, 2)
	dbl := ints(2.5, 1.0, nil, 4.0)
	for _, tc := range []struct {
		name     string
		typ      value.Type
		star     bool
		distinct bool
		extra    []value.Value
		in       []value.Value
		want     string
		rtype    value.Type
	}{
		{"COUNT", value.TypeInt, true, false, nil, in, "8", value.TypeInt},
		{"COUNT", value.TypeInt, false, false, nil, in, "6", value.TypeInt},
		{"COUNT", value.TypeInt, false, true, nil, in, "5", value.TypeInt},
		{"COUNT", value.TypeJSON, false, true, nil, ints(1, 1.0, "1", nil), "2", value.TypeInt},
		{"COUNT", value.TypeInt, false, false, nil, nil, "0", value.TypeInt},
		{"SUM", value.TypeInt, false, false, nil, in, "24", value.TypeInt},
		{"SUM", value.TypeInt, false, false, nil, ints(nil), "NULL", value.TypeInt},
		{"SUM", value.TypeInt, false, false, nil, ints(int64(math.MaxInt64), 1), "NULL", value.TypeInt},
		{"SUM", value.TypeDouble, false, false, nil, dbl, "7.5", value.TypeDouble},
		{"SUM", value.TypeJSON, false, false, nil, ints(1, 2, "x"), "3", value.TypeJSON},
		{"SUM", value.TypeJSON, false, false, nil, ints(1, 2.5), "3.5", value.TypeJSON},
		{"AVG", value.TypeInt, false, false, nil, in, "4", value.TypeDouble},
		{"AVG", value.TypeDouble, false, false, nil, ints(nil), "NULL", value.TypeDouble},
		{"MIN", value.TypeInt, false, false, nil, in, "1", value.TypeInt},
		{"MAX", value.TypeInt, false, false, nil, in, "9", value.TypeInt},
		{"MAX", value.TypeString, false, false, nil, ints("b", "a", "c", nil), "c", value.TypeString},
		{"MIN", value.TypeJSON, false, false, nil, ints("b", 3, 2.5), "2.5", value.TypeJSON},
		{"FIRST", value.TypeInt, false, false, nil, in, "4", value.TypeInt},
		{"LAST", value.TypeInt, false, false, nil, in, "2", value.TypeInt},
		{"VAR_POP", value.TypeInt, false, false, nil, ints(2, 4, 4, 4, 5, 5, 7, 9), "4", value.TypeDouble},
		{"STDDEV_POP", value.TypeInt, false, false, nil, ints(2, 4, 4, 4, 5, 5, 7, 9), "2", value.TypeDouble},
		{"VARIANCE", value.TypeInt, false, false, nil, ints(1, 2, 3, 4), "1.6666666666666667", value.TypeDouble},
		{"VAR_SAMP", value.TypeInt, false, false, nil, ints(1, 2, 3, 4), "1.6666666666666667", value.TypeDouble},
		{"STDDEV", value.TypeInt, false, false, nil, ints(5), "NULL", value.TypeDouble},
		{"STDDEV_SAMP", value.TypeInt, false, false, nil, ints(1, 3), "1.4142135623730951", value.TypeDouble},
		{"MEDIAN", value.TypeInt, false, false, nil, in, "3", value.TypeDouble},
		{"MEDIAN", value.TypeInt, false, false, nil, ints(5, 1, 3), "3", value.TypeDouble},
		{"PERCENTILE", value.TypeInt, false, false, ints(0.25), ints(1, 2, 3, 4, 5), "2", value.TypeDouble},
		{"PERCENTILE_CONT", value.TypeInt, false, false, ints(0.9), ints(1, 2, 3, 4), "3.7", value.TypeDouble},
		{"PERCENTILE", value.TypeDouble, false, false, ints(1), ints(nil), "NULL", value.TypeDouble},
	} {
		label := fmt.Sprintf("%s(%v)", tc.name, tc.in)
		acc, rt, mk := call(t, tc.name, tc.typ, tc.star, tc.distinct, tc.extra...)
		for i, v := range tc.in {
			acc.Add(v, int64(i))
		}
		if got := acc.Result().String(); got != tc.want || rt != tc.rtype {
			t.Errorf("%s = %s (%v), want %s (%v)", label, got, rt, tc.want, tc.rtype)
		}
		if !rt.Holds(acc.Result().Kind()) {
			t.Errorf("%s: %v result of type %v", label, acc.Result().Kind(), rt)
		}
		// Split in two, serialise each, merge: the same result.
		for cut := 0; cut <= len(tc.in); cut++ {
			a, b := mk(), mk()
			for i, v := range tc.in {
				if i < cut {
					a.Add(v, int64(i))
				} else {
					b.Add(v, int64(i))
				}
			}
			a2, b2 := roundTrip(t, a, mk), roundTrip(t, b, mk)
			if err := b2.Merge(a2); err != nil { // merge in the other order: FIRST/LAST go by time
				t.Fatal(err)
			}
			if got := b2.Result().String(); got != tc.want && !near(b2.Result(), acc.Result()) {
				t.Errorf("%s split at %d and merged = %s, want %s", label, cut, got, tc.want)
			}
		}
	}
}

func roundTrip(t *testing.T, a Accumulator, mk func() Accumulator) Accumulator {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := mk()
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatalf("%T: %v", a, err)
	}
	if len(b) > 0 {
		if err := mk().UnmarshalBinary(b[:len(b)-1]); err == nil {
			t.Errorf("%T accepted truncated state", a)
		}
	}
	return c
}

// Retracting rows gives the result of never having added them.
func TestRetract(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range []string{"COUNT", "SUM", "AVG", "VARIANCE", "STDDEV_POP"} {
		for _, typ := range []value.Type{value.TypeInt, value.TypeDouble} {
			acc, _, mk := call(t, name, typ, false, false)
			ref := mk()
			var vals []value.Value
			for i := range 200 {
				v := value.Int(int64(rng.IntN(100)))
				if typ == value.TypeDouble {
					v = value.Double(rng.NormFloat64() * 10)
				}
				vals = append(vals, v)
				acc.Add(v, int64(i))
				if i >= 150 {
					ref.Add(v, int64(i))
				}
			}
			r, ok := acc.(Retractor)
			if !ok {
				t.Fatalf("%s is no Retractor", name)
			}
			for i, v := range vals[:150] {
				r.Retract(v, int64(i))
			}
			got, _ := acc.Result().Number()
			want, _ := ref.Result().Number()
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s(%v) after retracting: %v, want %v", name, typ, got, want)
			}
		}
	}
}

// Past the exact limits the sketches take over, within their bounds.
func TestApproximateAggregates(t *testing.T) {
	acc, _, mk := call(t, "COUNT", value.TypeInt, false, true)
	other := mk()
	for i := range 50000 {
		acc.Add(value.Int(int64(i%20000)), 0)
		other.Add(value.Int(int64(15000+i%20000)), 0)
	}
	if err := acc.Merge(roundTrip(t, other, mk)); err != nil {
		t.Fatal(err)
	}
	if n := acc.Result().AsInt(); math.Abs(float64(n)-35000)/35000 > 0.05 {
		t.Errorf("COUNT(DISTINCT) of 35000 values = %d", n)
	}
	p, _, mk := call(t, "PERCENTILE", value.TypeDouble, false, false, value.Double(0.95))
	for i := range 100000 {
		p.Add(value.Double(float64(i)), 0)
	}
	p = roundTrip(t, p, mk)
	if x := p.Result().AsDouble(); math.Abs(x/100000-0.95) > 0.017 {
		t.Errorf("PERCENTILE(0.95) of 0…99999 = %v", x)
	}
}

func TestCheckErrors(t *testing.T) {
	r := Builtins()
	str := []function.Arg{{Type: value.TypeString}}
	for _, tc := range []struct {
		name           string
		args           []function.Arg
		star, distinct bool
		want           string
	}{
		{"SUM", nil, true, false, "SUM(*) is not defined; only COUNT takes *"},
		{"AVG", str, false, true, "AVG(DISTINCT …) is not supported; DISTINCT is for COUNT(DISTINCT x)"},
		{"AVG", str, false, false, "AVG takes a number, not STRING"},
		{"MAX", nil, false, false, "MAX takes 1 argument, got 0"},
		{"PERCENTILE", []function.Arg{{Type: value.TypeDouble}, {Type: value.TypeDouble}}, false, false, "the fraction of PERCENTILE must be a constant from 0 to 1, as in PERCENTILE(temp, 0.95)"},
		{"PERCENTILE", []function.Arg{{Type: value.TypeDouble}, {Type: value.TypeDouble, Const: true, Value: value.Double(1.5)}}, false, false, "the fraction of PERCENTILE must be a constant from 0 to 1, as in PERCENTILE(temp, 0.95)"},
	} {
		f, _ := r.Lookup(tc.name)
		if _, _, err := f.CheckCall(tc.args, tc.star, tc.distinct); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %s", tc.name, err, tc.want)
		}
	}
	for _, name := range r.Names() {
		f, _ := r.Lookup(name)
		if f.Doc == "" || f.New == nil || f.MaxBytes == nil {
			t.Errorf("%s: incomplete registration", name)
		}
	}
}

// near compares two numeric results within rounding.
func near(a, b value.Value) bool {
	x, ok1 := a.Number()
	y, ok2 := b.Number()
	return ok1 && ok2 && math.Abs(x-y) <= 1e-12*math.Max(1, math.Abs(y))
}

// The per-group bounds the planner multiplies are what docs/sql.md states.
func TestMaxBytes(t *testing.T) {
	r := Builtins()
	for name, limit := range map[string]int{"COUNT": 13 << 10, "PERCENTILE": 17 << 10, "MEDIAN": 17 << 10, "SUM": 100, "AVG": 100, "MIN": 100} {
		f, _ := r.Lookup(name)
		if got := f.MaxBytes(Spec{}, name == "COUNT"); got > limit {
			t.Errorf("%s: %d bytes, more than %d", name, got, limit)
		}
	}
}
