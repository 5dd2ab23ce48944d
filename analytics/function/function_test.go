package function

import (
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/value"
)

func TestRegistrations(t *testing.T) {
	r := Builtins()
	for _, name := range r.Names() {
		f, _ := r.Lookup(name)
		if f.Name != strings.ToUpper(f.Name) || f.Check == nil || f.Eval == nil || f.Doc == "" || (f.Max >= 0 && f.Max < f.Min) {
			t.Errorf("%s: incomplete registration", name)
		}
	}
	for _, name := range []string{"LAG", "LATEST", "CHANGED", "ANOMALY_SCORE"} {
		if s, ok := r.LookupStateful(name); !ok || s.Doc == "" || s.New == nil {
			t.Errorf("stateful %s missing", name)
		}
	}
}

func TestCheckArity(t *testing.T) {
	for _, tc := range []struct {
		min, max, got int
		want          string
	}{
		{1, 1, 2, "F takes 1 argument, got 2"},
		{1, 2, 0, "F takes 1 or 2 arguments, got 0"},
		{2, 4, 5, "F takes 2 to 4 arguments, got 5"},
		{1, -1, 0, "F takes at least 1 argument, got 0"},
	} {
		if err := CheckArity("F", tc.min, tc.max, tc.got); err == nil || err.Error() != tc.want {
			t.Errorf("CheckArity(%d, %d, %d) = %v", tc.min, tc.max, tc.got, err)
		}
	}
}

// step runs a stateful function over rows (seconds, value) of one key.
func step(t *testing.T, name string, args []Arg, rows [][2]value.Value) []string {
	t.Helper()
	s, _ := Builtins().LookupStateful(name)
	if _, _, err := s.Check(args); err != nil {
		t.Fatal(err)
	}
	_, spec, _ := s.Check(args)
	st := s.New(spec)
	var out []string
	for i, r := range rows {
		if i == len(rows)/2 { // a checkpoint half way: the state survives a round trip
			b, err := st.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			st = s.New(spec)
			if err := st.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, st.Step(r[0].AsInt()*int64(time.Second), []value.Value{r[1]}).String())
	}
	return out
}

func limit(d time.Duration) Arg {
	return Arg{Type: value.TypeInterval, Const: true, Value: value.Interval(d)}
}
func col(t value.Type) Arg { return Arg{Type: t} }

func TestStateful(t *testing.T) {
	rows := func(pairs ...any) [][2]value.Value {
		var out [][2]value.Value
		for i := 0; i < len(pairs); i += 2 {
			v := value.Null
			switch x := pairs[i+1].(type) {
			case int:
				v = value.Int(int64(x))
			case string:
				v = value.String(x)
			}
			out = append(out, [2]value.Value{value.Int(int64(pairs[i].(int))), v})
		}
		return out
	}
	in := rows(0, 1, 10, 2, 20, nil, 100, 4, 105, 4, 110, 5)
	for _, tc := range []struct {
		name string
		args []Arg
		want string
	}{
		{"LAG", []Arg{col(value.TypeInt), limit(time.Minute)}, "NULL 1 2 NULL 4 4"},
		{"LAG", []Arg{col(value.TypeInt), {Type: value.TypeInt, Const: true, Value: value.Int(2)}, limit(time.Hour)}, "NULL NULL 1 2 NULL 4"},
		{"LATEST", []Arg{col(value.TypeInt), limit(time.Minute)}, "1 2 2 4 4 5"},
		{"LATEST", []Arg{col(value.TypeInt), limit(5 * time.Second)}, "1 2 NULL 4 4 5"},
		{"CHANGED", []Arg{col(value.TypeInt), limit(time.Minute)}, "true true true true false true"},
	} {
		got := strings.Join(step(t, tc.name, tc.args, in), " ")
		if got != tc.want {
			t.Errorf("%s%v: %s, want %s", tc.name, tc.args, got, tc.want)
		}
	}
	// ANOMALY_SCORE: nothing for the first samples, then a spike stands out.
	var series [][2]value.Value
	for i := range 30 {
		x := 20 + i%3
		if i == 25 {
			x = 60
		}
		series = append(series, [2]value.Value{value.Int(int64(i)), value.Int(int64(x))})
	}
	scores := step(t, "ANOMALY_SCORE", []Arg{col(value.TypeInt), limit(time.Hour)}, series)
	if scores[0] != "NULL" || scores[7] != "NULL" || scores[8] == "NULL" {
		t.Errorf("warm-up: %v", scores[:10])
	}
	if s, _ := value.Cast(value.String(scores[25]), value.TypeDouble); s.AsDouble() < 10 {
		t.Errorf("spike scored %s", scores[25])
	}
}

func TestStatefulChecks(t *testing.T) {
	r := Builtins()
	for _, tc := range []struct {
		name string
		args []Arg
		want string
	}{
		{"LAG", []Arg{col(value.TypeInt), col(value.TypeInt)}, "LAG needs a time limit, a positive INTERVAL literal, as its last argument, as in LAG(temp, 1, INTERVAL '1' HOUR): it bounds the state kept per key"},
		{"LAG", []Arg{col(value.TypeInt), {Type: value.TypeInt, Const: true, Value: value.Int(0)}, limit(time.Hour)}, "the offset of LAG must be a whole number from 1 to 1000, as in LAG(temp, 1, INTERVAL '1' HOUR)"},
		{"CHANGED", []Arg{col(value.TypeString), limit(0)}, "CHANGED needs a time limit, a positive INTERVAL literal, as its last argument, as in CHANGED(state, INTERVAL '1' HOUR): it bounds the state kept per key"},
		{"ANOMALY_SCORE", []Arg{col(value.TypeString), limit(time.Hour)}, "ANOMALY_SCORE scores a number, not STRING"},
		{"ANOMALY_SCORE", []Arg{col(value.TypeDouble), limit(time.Hour), {Type: value.TypeInt, Const: true, Value: value.Int(3)}}, "the samples of ANOMALY_SCORE must be a whole number from 8 to 10000"},
	} {
		s, _ := r.LookupStateful(tc.name)
		if _, _, err := s.Check(tc.args); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %s", tc.name, err, tc.want)
		}
	}
}
