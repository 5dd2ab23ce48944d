package eval

import (
	"testing"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
)

// Every built-in scalar function, through the compiler, on the test row (i = 7, d = 2.5,
// s = 'Hello', t = 2026-11-27T08:30:15.25Z).
func TestFunctions(t *testing.T) {
	cases := []struct{ src, want string }{
		{"ABS(neg)", "3"}, {"ABS(-2.5)", "2.5"}, {"ABS(ni)", "NULL"},
		{"SIGN(neg)", "-1"}, {"SIGN(0.0)", "0"}, {"SIGN(d)", "1"},
		{"ROUND(2.5)", "3"}, {"ROUND(-2.5)", "-3"}, {"ROUND(2.345, 2)", "2.35"}, {"ROUND(i)", "7"}, {"ROUND(1234, -2)", "1200"},
		{"FLOOR(-2.5)", "-3"}, {"CEIL(2.1)", "3"}, {"CEILING(i)", "7"}, {"TRUNC(-2.7)", "-2"},
		{"SQRT(16)", "4"}, {"SQRT(-1)", "NULL"}, {"CBRT(27)", "3"}, {"EXP(0)", "1"}, {"LN(1)", "0"}, {"LN(0)", "NULL"},
		{"LOG10(1000)", "3"}, {"LOG2(8)", "3"}, {"LOG(2, 8)", "3"}, {"LOG(1, 8)", "NULL"},
		{"POWER(2, 10)", "1024"}, {"POW(2, 0.5) > 1.41", "true"}, {"POWER(10, 400)", "NULL"},
		{"MOD(i, 4)", "3"}, {"MOD(neg, 4)", "-3"}, {"MOD(7.5, 2)", "1.5"}, {"MOD(i, 0)", "NULL"},
		{"SIN(0)", "0"}, {"COS(0)", "1"}, {"TAN(0)", "0"}, {"ASIN(2)", "NULL"}, {"ACOS(1)", "0"}, {"ATAN(0)", "0"}, {"ATAN2(0, 1)", "0"},
		{"DEGREES(PI())", "180"}, {"RADIANS(180) = PI()", "true"},
		{"GREATEST(1, i, 3)", "7"}, {"GREATEST(1, 2.5)", "2.5"}, {"LEAST(i, ni, 3)", "3"}, {"GREATEST(ni, NULL)", "NULL"}, {"LEAST(1, 2.5) * 1", "1"},
		{"LOWER(s)", "hello"}, {"UPPER(s)", "HELLO"}, {"REVERSE('abç')", "çba"}, {"LENGTH('héllo')", "5"}, {"CHAR_LENGTH(s)", "5"},
		{"SUBSTRING(s, 2, 3)", "ell"}, {"SUBSTR(s, 2)", "ello"}, {"SUBSTRING(s, 0, 2)", "H"}, {"SUBSTRING(s, 4, 10)", "lo"}, {"SUBSTRING(s, 2, -1)", "NULL"},
		{"TRIM('  x  ')", "x"}, {"LTRIM('  x ')", "x "}, {"RTRIM('xyy', 'y')", "x"},
		{"CONCAT(s, ' ', i, ns, '!')", "Hello 7!"}, {"REPLACE(s, 'l', 'L')", "HeLLo"}, {"REPLACE(s, '', 'L')", "Hello"},
		{"SPLIT_PART('a,b,c', ',', 2)", "b"}, {"SPLIT_PART('a,b,c', ',', -1)", "c"}, {"SPLIT_PART('a,b,c', ',', 5)", ""},
		{"POSITION(s, 'll')", "3"}, {"STRPOS('héllo', 'l')", "3"}, {"POSITION(s, 'z')", "0"},
		{"STARTS_WITH(s, 'He')", "true"}, {"ENDS_WITH(s, 'x')", "false"}, {"CONTAINS(s, 'ell')", "true"},
		{"REGEXP_MATCH(s, '^H.l+o$')", "true"}, {"REGEXP_MATCH(s, s)", "true"},
		{"REGEXP_EXTRACT('temp=21.5C', '[0-9.]+')", "21.5"}, {"REGEXP_EXTRACT('k=v', '(\\w)=(\\w)', 2)", "v"}, {"REGEXP_EXTRACT(s, 'z')", "NULL"},
		{"REGEXP_REPLACE('a1b22', '[0-9]+', '#')", "a#b#"},
		{"NOW() = t", "true"},
		{"DATE_PART('hour', t)", "8"}, {"EXTRACT('minute', t)", "30"}, {"DATE_PART('second', t)", "15.25"}, {"DATE_PART('dow', t)", "5"},
		{"DATE_PART('isodow', TIMESTAMP '2026-11-29')", "7"}, {"DATE_PART('doy', t)", "331"}, {"DATE_PART('quarter', t)", "4"},
		{"DATE_PART('week', t)", "48"}, {"DATE_PART('millisecond', t)", "15250"}, {"DATE_PART('epoch', t)", "1795768215.25"},
		{"DATE_PART('YEAR', t)", "2026"}, {"DATE_PART('month', t)", "11"}, {"DATE_PART('day', t)", "27"},
		{"DATE_TRUNC('hour', t)", "2026-11-27T08:00:00Z"}, {"DATE_TRUNC('week', t)", "2026-11-23T00:00:00Z"},
		{"DATE_TRUNC('quarter', t)", "2026-10-01T00:00:00Z"}, {"DATE_TRUNC('second', t)", "2026-11-27T08:30:15Z"},
		{"DATE_TRUNC('millisecond', t)", "2026-11-27T08:30:15.25Z"}, {"DATE_TRUNC('minute', t)", "2026-11-27T08:30:00Z"},
		{"DATE_TRUNC('day', t)", "2026-11-27T00:00:00Z"}, {"DATE_TRUNC('month', t)", "2026-11-01T00:00:00Z"}, {"DATE_TRUNC('year', t)", "2026-01-01T00:00:00Z"},
		{"FROM_UNIXTIME(0)", "1970-01-01T00:00:00Z"}, {"FROM_UNIXTIME(1.5)", "1970-01-01T00:00:01.5Z"},
		{"TO_TIMESTAMP(86400)", "1970-01-02T00:00:00Z"}, {"TO_TIMESTAMP('2026-11-27 08:30:00')", "2026-11-27T08:30:00Z"}, {"TO_TIMESTAMP('x')", "NULL"},
		{"UNIX_TIMESTAMP(t)", "1795768215"}, {"UNIX_MILLIS(t)", "1795768215250"}, {"UNIX_TIMESTAMP(TIMESTAMP '1969-12-31 23:59:59.5')", "-1"},
		{"FORMAT_TIME(t, '%Y-%m-%d %H:%M:%S.%L %a %b %j %p %I %y %e %F %T %s %z %Z %f %% %A %B')",
			"2026-11-27 08:30:15.250 Fri Nov 331 AM 08 26 27 2026-11-27 08:30:15 1795768215 +0000 UTC 250000 % Friday November"},
		{"COALESCE(ni, nd, 2)", "2"}, {"COALESCE(ni, i)", "7"}, {"IFNULL(ns, 'x')", "x"}, {"COALESCE(ni, 2.5) + 0", "2.5"},
		{"NULLIF(i, 7)", "NULL"}, {"NULLIF(i, 8)", "7"}, {"IF(i > 5, 'a', 'b')", "a"}, {"IIF(nb, 'a', 'b')", "b"},
		{"JSON_VALUE(j, '$.env.tags[0]')", "a"}, {"JSON_VALUE(j, 'env.temp')", "21.5"}, {"JSON_VALUE('{\"a\":[1,2]}', '$.a[1]')", "2"},
		{"JSON_VALUE(j, '$[''max temp'']')", "40"}, {"JSON_VALUE(j, '$.nope')", "NULL"},
		{"JSON_PARSE('[1,2]')[1]", "2"}, {"JSON_PARSE('nope')", "NULL"}, {"TO_JSON(j.env.tags)", `["a","b"]`}, {"TO_JSON(s)", `"Hello"`},
		{"JSON_TYPE(j.env)", "OBJECT"}, {"JSON_TYPE(jn)", "BIGINT"}, {"JSON_LENGTH(j.env.tags)", "2"}, {"JSON_LENGTH(i)", "NULL"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		got, typ := evalSQL(t, tc.src)
		if got.String() != tc.want {
			t.Errorf("%s = %v, want %s", tc.src, got, tc.want)
		}
		if !typ.Holds(got.Kind()) {
			t.Errorf("%s: a %v value from a %v expression", tc.src, got.Kind(), typ)
		}
		x, _ := compileSQL(t, tc.src)
		ast.Inspect(x.Node, func(n ast.Node) bool {
			if c, ok := n.(*ast.Call); ok {
				seen[c.Name] = true
			}
			return true
		})
	}
	for _, name := range function.Builtins().Names() {
		if !seen[name] {
			t.Errorf("function %s has no test case", name)
		}
	}
}
