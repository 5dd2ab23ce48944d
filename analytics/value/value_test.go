package value

import (
	"bytes"
	"math"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	obj := func(k string, v Value) Value { return Object([]string{k}, []Value{v}) }
	for _, tc := range []struct {
		a, b Value
		c    int
		ok   bool
	}{
		{Int(1), Int(2), -1, true},
		{Int(2), Double(2), 0, true},
		{Double(2.5), Int(2), 1, true},
		{Int(9007199254740993), Double(9007199254740992), 1, true}, // 2^53+1 > 2^53 exactly
		{Int(math.MaxInt64), Double(9223372036854775808.0), -1, true},
		{Int(-1), Double(-0.5), -1, true},
		{Int(0), Double(math.NaN()), -1, true},
		{Double(math.NaN()), Double(math.NaN()), 0, true},
		{String("a"), String("b"), -1, true},
		{String("B"), String("a"), -1, true}, // binary collation
		{String("1"), Int(1), 0, false},
		{Null, Null, 0, false},
		{Int(1), Null, 0, false},
		{Bool(false), Bool(true), -1, true},
		{Timestamp(5), Timestamp(5), 0, true},
		{Timestamp(5), Interval(5), 0, false},
		{Array([]Value{Int(1), Int(2)}), Array([]Value{Int(1), Double(3)}), -1, true},
		{obj("a", Int(1)), obj("a", Double(1)), 0, true},
	} {
		c, ok := Compare(tc.a, tc.b)
		if c != tc.c || ok != tc.ok {
			t.Errorf("Compare(%v, %v) = %d, %v; want %d, %v", tc.a, tc.b, c, ok, tc.c, tc.ok)
		}
	}
}

func TestOrderIsTotal(t *testing.T) {
	vals := []Value{Null, Bool(false), Bool(true), Int(-3), Double(-2.5), Int(0), Double(0.5),
		Double(math.NaN()), String(""), String("a"), Timestamp(0), Timestamp(10), Interval(1),
		Array(nil), Array([]Value{Null}), Object([]string{"a"}, []Value{Int(1)})}
	for i := range vals {
		for j := range vals {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Order(vals[i], vals[j]); got != want {
				t.Errorf("Order(%v, %v) = %d, want %d", vals[i], vals[j], got, want)
			}
		}
	}
}

func TestKey(t *testing.T) {
	same := [][2]Value{
		{Int(1), Double(1)},
		{Double(0), Double(math.Copysign(0, -1))},
		{Double(math.NaN()), Double(-math.NaN())},
		{Null, Null},
		{Array([]Value{Int(2)}), Array([]Value{Double(2)})},
	}
	for _, p := range same {
		if !bytes.Equal(AppendKey(nil, p[0]), AppendKey(nil, p[1])) {
			t.Errorf("keys of %v and %v differ", p[0], p[1])
		}
	}
	differ := [][2]Value{
		{Int(1), Double(1.5)},
		{String("1"), Int(1)},
		{Null, String("")},
		{Bool(true), Int(1)},
		{Timestamp(1), Interval(1)},
	}
	for _, p := range differ {
		if bytes.Equal(AppendKey(nil, p[0]), AppendKey(nil, p[1])) {
			t.Errorf("keys of %v and %v are equal", p[0], p[1])
		}
	}
	// Concatenated keys stay unambiguous.
	a := AppendKey(AppendKey(nil, String("ab")), String("c"))
	b := AppendKey(AppendKey(nil, String("a")), String("bc"))
	if bytes.Equal(a, b) {
		t.Error("('ab','c') and ('a','bc') have one key")
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	nested := Object([]string{"x", "y"}, []Value{Array([]Value{Int(1), Double(1), Null}), String("é")})
	for _, v := range []Value{Null, Bool(true), Bool(false), Int(-42), Int(math.MinInt64),
		Double(-1.25), Double(math.Inf(1)), String(""), String("hello"), Timestamp(-5),
		Interval(time.Hour), Array(nil), nested} {
		b := AppendBinary([]byte{9}, v)
		got, rest, err := ReadBinary(b[1:])
		if err != nil || len(rest) != 0 {
			t.Fatalf("%v: %v, %d bytes left", v, err, len(rest))
		}
		if got.Kind() != v.Kind() || Order(got, v) != 0 {
			t.Errorf("round trip of %v gave %v", v, got)
		}
	}
	for _, bad := range [][]byte{nil, {200}, {byte(KindString), 5, 'a'}, {byte(KindBool), 2},
		{byte(KindArray), 0xff, 0xff, 0xff, 0xff, 0x0f}} {
		if _, _, err := ReadBinary(bad); err == nil {
			t.Errorf("ReadBinary(%v) accepted corrupt bytes", bad)
		}
	}
}

func TestCast(t *testing.T) {
	ts := func(s string) Value { v, _ := ParseTimestamp(s); return v }
	for _, tc := range []struct {
		v    Value
		t    Type
		want Value
		ok   bool
	}{
		{Double(2.9), TypeInt, Int(2), true},
		{Double(-2.9), TypeInt, Int(-2), true},
		{Double(1e300), TypeInt, Null, false},
		{String(" 42 "), TypeInt, Int(42), true},
		{String("12.7"), TypeInt, Int(12), true},
		{String("12abc"), TypeInt, Null, false},
		{String("NaN"), TypeDouble, Null, false},
		{String("1e3"), TypeDouble, Double(1000), true},
		{Int(3), TypeDouble, Double(3), true},
		{String("Yes"), TypeBool, Bool(true), true},
		{Int(0), TypeBool, Bool(false), true},
		{String("maybe"), TypeBool, Null, false},
		{Int(1700000000), TypeTimestamp, ts("2023-11-14T22:13:20Z"), true},
		{Int(1700000000123), TypeTimestamp, ts("2023-11-14T22:13:20.123Z"), true},
		{String("2026-11-27 08:30:00"), TypeTimestamp, ts("2026-11-27T08:30:00Z"), true},
		{String("1h30m"), TypeInterval, Interval(90 * time.Minute), true},
		{Double(2.5), TypeString, String("2.5"), true},
		{Double(1e21), TypeString, String("1e+21"), true},
		{Double(1e16), TypeString, String("1e+16"), true},
		{ts("2026-01-02T03:04:05.5Z"), TypeString, String("2026-01-02T03:04:05.5Z"), true},
		{Bool(true), TypeString, String("true"), true},
		{Null, TypeInt, Null, true},
		{Array([]Value{Int(1)}), TypeString, String("[1]"), true},
		{Array([]Value{Int(1)}), TypeDouble, Null, false},
	} {
		got, ok := Cast(tc.v, tc.t)
		if ok != tc.ok || got.Kind() != tc.want.Kind() || Order(got, tc.want) != 0 {
			t.Errorf("Cast(%v, %v) = %v (%v), %v; want %v, %v", tc.v, tc.t, got, got.Kind(), ok, tc.want, tc.ok)
		}
	}
}
