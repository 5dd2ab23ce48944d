package parser

import (
	"strings"
	"testing"

	"github.com/tidegate/tidegate/analytics/ast"
)

// sexpr writes an expression tree fully parenthesized, operator first, so that a test can
// state the shape it expects: a + b * c is (+ a (* b c)).
func sexpr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Binary:
		return "(" + e.Op.String() + " " + sexpr(e.L) + " " + sexpr(e.R) + ")"
	case *ast.Unary:
		if e.Op == ast.OpNot {
			return "(NOT " + sexpr(e.X) + ")"
		}
		return "(neg " + sexpr(e.X) + ")"
	case *ast.IsNull:
		return "(" + not(e.Not) + "NULL? " + sexpr(e.X) + ")"
	case *ast.In:
		return "(" + not(e.Not) + "IN " + sexpr(e.X) + " " + sexprs(e.List) + ")"
	case *ast.Between:
		return "(" + not(e.Not) + "BETWEEN " + sexpr(e.X) + " " + sexpr(e.Lo) + " " + sexpr(e.Hi) + ")"
	case *ast.Like:
		s := "(" + not(e.Not) + "LIKE " + sexpr(e.X) + " " + sexpr(e.Pattern)
		if e.Escape != nil {
			s += " " + sexpr(e.Escape)
		}
		return s + ")"
	case *ast.Dot:
		return "(. " + sexpr(e.X) + " " + e.Name.Name + ")"
	case *ast.Index:
		return "([] " + sexpr(e.X) + " " + sexpr(e.Index) + ")"
	case *ast.Cast:
		return "(CAST " + sexpr(e.X) + " " + e.Type.String() + ")"
	case *ast.Call:
		s := "(" + e.Name
		if e.Distinct {
			s += " DISTINCT"
		}
		if e.Star {
			s += " *"
		}
		if len(e.Args) > 0 {
			s += " " + sexprs(e.Args)
		}
		return s + ")"
	case *ast.Case:
		s := "(CASE"
		if e.Operand != nil {
			s += " " + sexpr(e.Operand)
		}
		for _, w := range e.Whens {
			s += " (" + sexpr(w.Cond) + " " + sexpr(w.Result) + ")"
		}
		if e.Else != nil {
			s += " (ELSE " + sexpr(e.Else) + ")"
		}
		return s + ")"
	case *ast.Ident:
		return e.Name
	case *ast.IntegerLit:
		return "int:" + e.String()
	case *ast.FloatLit:
		return "float:" + e.String()
	}
	return e.String()
}

func sexprs(list []ast.Expr) string {
	s := make([]string, len(list))
	for i, e := range list {
		s[i] = sexpr(e)
	}
	return strings.Join(s, " ")
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

func TestExprShape(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// precedence, loosest to tightest: OR AND NOT compare || +- */% unary postfix
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"NOT a AND b", "(AND (NOT a) b)"},
		{"NOT a = b", "(NOT (= a b))"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"a = b || c", "(= a (|| b c))"},
		{"a || b + c", "(|| a (+ b c))"},
		{"a + b * c", "(+ a (* b c))"},
		{"a * -b", "(* a (neg b))"},
		{"-a.b", "(neg (. a b))"},
		{"-a::double", "(neg (CAST a DOUBLE))"},
		{"(a + b) * c", "(* (+ a b) c)"},
		// left associativity
		{"a - b - c", "(- (- a b) c)"},
		{"a - (b - c)", "(- a (- b c))"},
		{"a / b * c % d", "(% (* (/ a b) c) d)"},
		{"a || b || c", "(|| (|| a b) c)"},
		{"a = b = c", "(= (= a b) c)"},
		{"a < b <> c", "(<> (< a b) c)"},
		// comparison forms
		{"a <= b AND c >= d AND e != f AND g > h", "(AND (AND (AND (<= a b) (>= c d)) (<> e f)) (> g h))"},
		{"a IS NULL", "(NULL? a)"},
		{"a IS NOT NULL", "(NOT NULL? a)"},
		{"a + 1 IS NULL = b", "(= (NULL? (+ a int:1)) b)"},
		{"a IN (1, 'x', b + 1)", "(IN a int:1 'x' (+ b int:1))"},
		{"a NOT IN (1)", "(NOT IN a int:1)"},
		{"NOT a IN (1)", "(NOT (IN a int:1))"},
		{"a BETWEEN 1 AND 2", "(BETWEEN a int:1 int:2)"},
		{"a NOT BETWEEN b - 1 AND b + 1 AND c", "(AND (NOT BETWEEN a (- b int:1) (+ b int:1)) c)"},
		{"a LIKE 'x%'", "(LIKE a 'x%')"},
		{"a NOT LIKE 'x!%%' ESCAPE '!'", "(NOT LIKE a 'x!%%' '!')"},
		{"a LIKE b || '%' AND c", "(AND (LIKE a (|| b '%')) c)"},
		// literals
		{"-5", "int:-5"},
		{"- 5", "int:-5"},
		{"-(5)", "(neg int:5)"},
		{"- -5", "(neg int:-5)"},
		{"-9223372036854775808", "int:-9223372036854775808"},
		{"9223372036854775807", "int:9223372036854775807"},
		{"-5[0]", "(neg ([] int:5 int:0))"},
		{"2 - -5", "(- int:2 int:-5)"},
		{"1.5", "float:1.5"},
		{".5e3", "float:500.0"},
		{"-2.5E-3", "float:-0.0025"},
		{"1e21", "float:1e+21"},
		{"TRUE OR FALSE OR NULL", "(OR (OR TRUE FALSE) NULL)"},
		{"'it''s'", "'it''s'"},
		{"TIMESTAMP '2026-11-27T00:00:00Z'", "TIMESTAMP '2026-11-27T00:00:00Z'"},
		{"timestamp '2026-11-27 08:30:00.5'", "TIMESTAMP '2026-11-27 08:30:00.5'"},
		{"timestamp", "timestamp"},
		{"timestamp + 1", "(+ timestamp int:1)"},
		{"INTERVAL '5' SECOND", "INTERVAL '5' SECOND"},
		{"interval '2' minutes", "INTERVAL '2' MINUTE"},
		{"INTERVAL '1h30m'", "INTERVAL '1h30m'"},
		{"ts - INTERVAL '250' MILLISECOND", "(- ts INTERVAL '250' MILLISECOND)"},
		// names and nested JSON access
		{`"from" + "a""b" + ` + "`c d`", `(+ (+ from a"b) c d)`},
		{"a.b.c", "(. (. a b) c)"},
		{"a['k'][0]", "([] ([] a 'k') int:0)"},
		{"a.b['max temp'][0].c", "(. ([] ([] (. a b) 'max temp') int:0) c)"},
		{`a."from"."end"`, "(. (. a from) end)"},
		{"r.payload.\"x y\"", "(. (. r payload) x y)"},
		{"f(x).y", "(. (F x) y)"},
		{"(a || b)[1]", "([] (|| a b) int:1)"},
		// calls
		{"count(*)", "(COUNT *)"},
		{"COUNT(DISTINCT device)", "(COUNT DISTINCT device)"},
		{"percentile(temp, 0.95)", "(PERCENTILE temp float:0.95)"},
		{"lag(temp, 1)", "(LAG temp int:1)"},
		{"latest(temp)", "(LATEST temp)"},
		{"CHANGED(state, INTERVAL '1' HOUR)", "(CHANGED state INTERVAL '1' HOUR)"},
		{"now()", "(NOW)"},
		{"round(avg(temp) * 1.8 + 32, 1)", "(ROUND (+ (* (AVG temp) float:1.8) int:32) int:1)"},
		{`"left"(s, 2)`, "(LEFT s int:2)"},
		// CASE and CAST
		{"CASE WHEN t > 30 THEN 'hot' WHEN t < 10 THEN 'cold' ELSE 'ok' END", "(CASE ((> t int:30) 'hot') ((< t int:10) 'cold') (ELSE 'ok'))"},
		{"CASE state WHEN 1 THEN 'on' END", "(CASE state (int:1 'on'))"},
		{"CAST(temp AS BIGINT)", "(CAST temp BIGINT)"},
		{"cast(x as varchar) || y::int::float", "(|| (CAST x STRING) (CAST (CAST y BIGINT) DOUBLE))"},
		{"CAST(payload AS JSON).a", "(. (CAST payload JSON) a)"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			e, err := ParseExpr(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := sexpr(e); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			again, err := ParseExpr(e.String())
			if err != nil {
				t.Fatalf("printed %s: %v", e, err)
			}
			if !sameTree(e, again) {
				t.Errorf("printed %s parses to another tree", e)
			}
		})
	}
}

// The printer puts parentheses exactly where the tree needs them.
func TestExprPrint(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"((a + b)) * (c)", "(a + b) * c"},
		{"a - (b - c) - d", "a - (b - c) - d"},
		{"(a = b) = c", "a = b = c"},
		{"a = (b = c)", "a = (b = c)"},
		{"(NOT a) = b", "(NOT a) = b"},
		{"NOT (a AND b)", "NOT (a AND b)"},
		{"- (-a)", "-(-a)"},
		{"-(-5)", "-(-5)"},
		{"-(5)", "-(5)"},
		{"(-5)[0]", "(-5)[0]"},
		{"(-a).b", "(-a).b"},
		{"5 .x", "5.x"},
		{"a BETWEEN (b AND c) AND d", "a BETWEEN (b AND c) AND d"},
		{"(a BETWEEN b AND c) BETWEEN d AND e", "a BETWEEN b AND c BETWEEN d AND e"},
		{"a LIKE (b = c)", "a LIKE (b = c)"},
		{"a::bigint", "CAST(a AS BIGINT)"},
		{"x != y", "x <> y"},
		{"select_ + \"select\" + \"2x\" + Température", `select_ + "select" + "2x" + Température`},
		{"count ( * ) + Count(distinct a, b)", "COUNT(*) + COUNT(DISTINCT a, b)"},
		{"1.0 + 2.50 + 1E3 + 007", "1.0 + 2.5 + 1000.0 + 7"},
		{"case  a when 1 then 2 end", "CASE a WHEN 1 THEN 2 END"},
	} {
		e, err := ParseExpr(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := e.String(); got != tc.want {
			t.Errorf("%s printed as %s, want %s", tc.src, got, tc.want)
		}
	}
}
