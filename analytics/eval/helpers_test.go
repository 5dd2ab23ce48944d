package eval

import (
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/value"
)

// testScope is a row of named, typed columns.
type testScope struct {
	names []string
	types []value.Type
}

func (s *testScope) Resolve(e ast.Expr) (int, value.Type, bool, error) {
	id, ok := e.(*ast.Ident)
	if !ok {
		return 0, 0, false, nil
	}
	for i, n := range s.names {
		if n == id.Name {
			return i, s.types[i], true, nil
		}
	}
	return 0, 0, false, nil
}

var testTime = time.Date(2026, 11, 27, 8, 30, 15, 250e6, time.UTC)

// testRow is the row every expression test runs against.
func testRow() (*testScope, value.Row) {
	j, _ := value.ParseJSON(`{"env":{"temp":21.5,"tags":["a","b"]},"n":3,"max temp":40,"s":"x"}`)
	cols := []struct {
		name string
		t    value.Type
		v    value.Value
	}{
		{"i", value.TypeInt, value.Int(7)},
		{"neg", value.TypeInt, value.Int(-3)},
		{"d", value.TypeDouble, value.Double(2.5)},
		{"s", value.TypeString, value.String("Hello")},
		{"b", value.TypeBool, value.Bool(true)},
		{"f", value.TypeBool, value.Bool(false)},
		{"t", value.TypeTimestamp, value.Time(testTime)},
		{"iv", value.TypeInterval, value.Interval(90 * time.Second)},
		{"j", value.TypeJSON, j},
		{"ni", value.TypeInt, value.Null},
		{"nd", value.TypeDouble, value.Null},
		{"ns", value.TypeString, value.Null},
		{"nb", value.TypeBool, value.Null},
		{"jn", value.TypeJSON, value.Int(5)},
		{"js", value.TypeJSON, value.String("5")},
	}
	s := &testScope{}
	row := make(value.Row, len(cols))
	for i, c := range cols {
		s.names = append(s.names, c.name)
		s.types = append(s.types, c.t)
		row[i] = c.v
	}
	return s, row
}

// compileSQL parses and compiles one expression against the test row.
func compileSQL(t testing.TB, src string) (*Expr, error) {
	t.Helper()
	e, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	scope, _ := testRow()
	c := &Compiler{Funcs: function.Builtins(), Scope: scope}
	return c.Compile(e)
}

// evalSQL compiles and evaluates src, failing the test on a compile error.
func evalSQL(t testing.TB, src string) (value.Value, value.Type) {
	t.Helper()
	x, err := compileSQL(t, src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	_, row := testRow()
	env := &Env{Row: row}
	env.Now = testTime.UnixNano()
	return x.Eval(env), x.Type
}
