package ast_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
)

func id(name string) *ast.Ident                      { return &ast.Ident{Name: name} }
func num(v int64) *ast.IntegerLit                    { return &ast.IntegerLit{Value: v} }
func flt(v float64) *ast.FloatLit                    { return &ast.FloatLit{Value: v} }
func neg(x ast.Expr) *ast.Unary                      { return &ast.Unary{Op: ast.OpNeg, X: x} }
func bin(op ast.BinaryOp, l, r ast.Expr) *ast.Binary { return &ast.Binary{Op: op, L: l, R: r} }

// Trees built by hand — shapes the parser may never produce — print to text that parses
// back to the same shape.
func TestPrintHandBuilt(t *testing.T) {
	for _, tc := range []struct {
		e    ast.Expr
		want string
	}{
		{bin(ast.OpSub, id("a"), bin(ast.OpSub, id("b"), id("c"))), "a - (b - c)"},
		{bin(ast.OpMul, bin(ast.OpAdd, id("a"), id("b")), id("c")), "(a + b) * c"},
		{bin(ast.OpAnd, bin(ast.OpOr, id("a"), id("b")), id("c")), "(a OR b) AND c"},
		{neg(num(5)), "-(5)"},
		{neg(num(-5)), "-(-5)"},
		{neg(neg(id("x"))), "-(-x)"},
		{neg(flt(math.Copysign(0, -1))), "-(-0.0)"},
		{bin(ast.OpSub, id("a"), num(-5)), "a - -5"},
		{bin(ast.OpSub, id("a"), neg(id("b"))), "a - -b"},
		{&ast.Dot{X: num(-5), Name: id("x")}, "(-5).x"},
		{&ast.Dot{X: flt(2), Name: id("from")}, `2.0."from"`},
		{&ast.Index{X: neg(id("a")), Index: num(0)}, "(-a)[0]"},
		{&ast.Unary{Op: ast.OpNot, X: bin(ast.OpEq, id("a"), id("b"))}, "NOT a = b"},
		{bin(ast.OpEq, id("a"), &ast.Unary{Op: ast.OpNot, X: id("b")}), "a = (NOT b)"},
		{&ast.Between{X: id("a"), Lo: bin(ast.OpEq, id("b"), id("c")), Hi: id("d")}, "a BETWEEN (b = c) AND d"},
		{&ast.IsNull{X: &ast.Between{X: id("a"), Lo: id("b"), Hi: id("c")}, Not: true}, "a BETWEEN b AND c IS NOT NULL"},
		{bin(ast.OpEq, id("a"), &ast.IsNull{X: id("b")}), "a = (b IS NULL)"},
		{&ast.Like{X: id("a"), Pattern: bin(ast.OpConcat, id("b"), &ast.StringLit{Value: "%"}), Escape: &ast.StringLit{Value: "'"}}, "a LIKE b || '%' ESCAPE ''''"},
		{flt(1e21), "1e+21"},
		{flt(3), "3.0"},
		{&ast.Call{Name: "LEFT", Args: []ast.Expr{id("s")}}, `"LEFT"(s)`},
		{&ast.Cast{X: id("x"), Type: ast.TypeBoolean}, "CAST(x AS BOOLEAN)"},
		{&ast.Star{Table: id("my table")}, `"my table".*`},
	} {
		got := tc.e.String()
		if got != tc.want {
			t.Errorf("printed %s, want %s", got, tc.want)
			continue
		}
		if _, ok := tc.e.(*ast.Star); ok {
			continue // only in a select list
		}
		back, err := parser.ParseExpr(got)
		if err != nil {
			t.Errorf("%s: %v", got, err)
			continue
		}
		if back.String() != got {
			t.Errorf("%s reads back as %s", got, back)
		}
	}
}

func TestInspect(t *testing.T) {
	st, err := parser.ParseStatement("CREATE QUERY q AS INSERT INTO o SELECT a.b AS x, COUNT(*) FROM r WHERE c > 1 GROUP BY d, TUMBLE(ts, INTERVAL '1' MINUTE) EMIT ON UPDATE")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	ast.Inspect(st, func(n ast.Node) bool {
		seen = append(seen, fmt.Sprintf("%T", n)[5:])
		_, isCall := n.(*ast.Call)
		return !isCall
	})
	want := "CreateQuery Ident Ident Select SelectItem Dot Ident Ident Ident SelectItem Call SourceRef Ident Binary Ident IntegerLit Ident TumbleWindow Ident Interval Emit"
	if got := strings.Join(seen, " "); got != want {
		t.Errorf("visited %s\nwant    %s", got, want)
	}
}

func TestTypeAndUnitNames(t *testing.T) {
	for name, want := range map[string]ast.Type{
		"string": ast.TypeString, "VARCHAR": ast.TypeString, "double": ast.TypeDouble,
		"Float": ast.TypeDouble, "REAL": ast.TypeDouble, "bigint": ast.TypeBigInt,
		"int": ast.TypeBigInt, "INTEGER": ast.TypeBigInt, "boolean": ast.TypeBoolean,
		"bool": ast.TypeBoolean, "timestamp": ast.TypeTimestamp, "json": ast.TypeJSON,
	} {
		if got, ok := ast.TypeByName(name); !ok || got != want {
			t.Errorf("TypeByName(%s) = %v, %v", name, got, ok)
		}
	}
	if _, ok := ast.TypeByName("text"); ok {
		t.Error("TEXT is no type")
	}
	for name, want := range map[string]ast.IntervalUnit{
		"millisecond": ast.Millisecond, "MILLISECONDS": ast.Millisecond, "second": ast.Second,
		"Seconds": ast.Second, "MINUTE": ast.Minute, "hours": ast.Hour, "day": ast.Day, "DAYS": ast.Day,
	} {
		if got, ok := ast.UnitByName(name); !ok || got != want {
			t.Errorf("UnitByName(%s) = %v, %v", name, got, ok)
		}
	}
	if _, ok := ast.UnitByName("week"); ok {
		t.Error("WEEK is no unit")
	}
}

func TestParseInterval(t *testing.T) {
	for _, tc := range []struct {
		text string
		unit ast.IntervalUnit
		want time.Duration
		err  bool
	}{
		{"5", ast.Second, 5 * time.Second, false},
		{"0", ast.Day, 0, false},
		{"106751", ast.Day, 106751 * 24 * time.Hour, false},
		{"106752", ast.Day, 0, true},
		{"99999999999999999999", ast.Millisecond, 0, true},
		{"", ast.Second, 0, true},
		{"+5", ast.Second, 0, true},
		{"5s", ast.Second, 0, true},
		{"1h30m", ast.NoUnit, 90 * time.Minute, false},
		{"250ms", ast.NoUnit, 250 * time.Millisecond, false},
		{"0", ast.NoUnit, 0, false},
		{"5", ast.NoUnit, 0, true},
		{"-5s", ast.NoUnit, 0, true},
		{"+5s", ast.NoUnit, 0, true},
		{"5d", ast.NoUnit, 0, true},
	} {
		got, err := ast.ParseInterval(tc.text, tc.unit)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseInterval(%q, %v) = %v, %v", tc.text, tc.unit, got, err)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	for text, want := range map[string]string{
		"2026-11-27T00:00:00Z":          "2026-11-27T00:00:00Z",
		"2026-11-27T01:00:00.5+01:00":   "2026-11-27T00:00:00.5Z",
		"2026-11-27 08:30:00Z":          "2026-11-27T08:30:00Z",
		"2026-11-27 08:30:00":           "2026-11-27T08:30:00Z",
		"2026-11-27T08:30:00.000000001": "2026-11-27T08:30:00.000000001Z",
		"2026-11-27":                    "2026-11-27T00:00:00Z",
	} {
		got, err := ast.ParseTimestamp(text)
		if err != nil || got.UTC().Format(time.RFC3339Nano) != want {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %s", text, got, err, want)
		}
	}
	for _, text := range []string{"", "yesterday", "2026-11-27T25:00:00Z", "27/11/2026", "2026-11-27T08:30"} {
		if _, err := ast.ParseTimestamp(text); err == nil {
			t.Errorf("ParseTimestamp(%q) accepted", text)
		}
	}
}
