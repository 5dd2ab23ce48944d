package eval

import (
	"testing"

	"github.com/tidegate/tidegate/analytics/value"
)

func TestOperators(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		typ       value.Type
	}{
		// arithmetic and promotion
		{"i + 1", "8", value.TypeInt},
		{"i / 2", "3", value.TypeInt},
		{"neg / 2", "-1", value.TypeInt},
		{"i / 2.0", "3.5", value.TypeDouble},
		{"i % 4", "3", value.TypeInt},
		{"neg % 4", "-3", value.TypeInt},
		{"d * 2", "5", value.TypeDouble},
		{"i / 0", "NULL", value.TypeInt},
		{"d / 0", "NULL", value.TypeDouble},
		{"9223372036854775807 + 1", "NULL", value.TypeInt},
		{"-9223372036854775807 - 2", "NULL", value.TypeInt},
		{"3037000500 * 3037000500", "NULL", value.TypeInt},
		{"-i", "-7", value.TypeInt},
		{"ni + 1", "NULL", value.TypeInt},
		{"NULL + 1", "NULL", value.TypeInt},
		{"jn + 1", "6", value.TypeJSON},
		{"js + 1", "NULL", value.TypeJSON},
		{"j.n * d", "7.5", value.TypeJSON},
		// time arithmetic
		{"t + INTERVAL '1' MINUTE", "2026-11-27T08:31:15.25Z", value.TypeTimestamp},
		{"t - iv", "2026-11-27T08:28:45.25Z", value.TypeTimestamp},
		{"t - TIMESTAMP '2026-11-27'", "8h30m15.25s", value.TypeInterval},
		{"iv * 2", "3m0s", value.TypeInterval},
		{"iv / 3", "30s", value.TypeInterval},
		// comparison and logic
		{"i > 5", "true", value.TypeBool},
		{"i = 7.0", "true", value.TypeBool},
		{"d < 2", "false", value.TypeBool},
		{"s = 'Hello'", "true", value.TypeBool},
		{"s < 'a'", "true", value.TypeBool}, // binary collation: 'H' < 'a'
		{"t > '2026-11-27'", "true", value.TypeBool},
		{"t > TIMESTAMP '2026-11-28'", "false", value.TypeBool},
		{"iv >= '90s'", "true", value.TypeBool},
		{"ni = 1", "NULL", value.TypeBool},
		{"ni = NULL", "NULL", value.TypeBool},
		{"jn = 5", "true", value.TypeBool},
		{"js = 5", "NULL", value.TypeBool},
		{"b AND nb", "NULL", value.TypeBool},
		{"f AND nb", "false", value.TypeBool},
		{"b OR nb", "true", value.TypeBool},
		{"f OR nb", "NULL", value.TypeBool},
		{"NOT nb", "NULL", value.TypeBool},
		{"NOT f", "true", value.TypeBool},
		{"s || '!' || i", "Hello!7", value.TypeString},
		{"s || ns", "NULL", value.TypeString},
		// predicates
		{"ni IS NULL", "true", value.TypeBool},
		{"i IS NOT NULL", "true", value.TypeBool},
		{"i IN (1, 7, 9)", "true", value.TypeBool},
		{"i IN (1, 2)", "false", value.TypeBool},
		{"i IN (1, NULL)", "NULL", value.TypeBool},
		{"i NOT IN (1, 2)", "true", value.TypeBool},
		{"i IN (1, 2, 3, 4, 5, 6, 7.0)", "true", value.TypeBool},
		{"i IN (1, 2, 3, 4, 5, 6, NULL)", "NULL", value.TypeBool},
		{"i NOT IN (1, 2, 3, 4, 5, 6, 8)", "true", value.TypeBool},
		{"s IN ('a', 'b', 'c', 'd', 'e', 'Hello')", "true", value.TypeBool},
		{"ni IN (1)", "NULL", value.TypeBool},
		{"i BETWEEN 1 AND 7", "true", value.TypeBool},
		{"i NOT BETWEEN 1 AND 7", "false", value.TypeBool},
		{"i BETWEEN 8 AND ni", "false", value.TypeBool},
		{"i BETWEEN 1 AND ni", "NULL", value.TypeBool},
		{"d BETWEEN -40 AND 85", "true", value.TypeBool},
		{"s LIKE 'He%'", "true", value.TypeBool},
		{"s LIKE 'he%'", "false", value.TypeBool},
		{"s LIKE '%ll%'", "true", value.TypeBool},
		{"s LIKE '%lo'", "true", value.TypeBool},
		{"s LIKE 'H_l%o'", "true", value.TypeBool},
		{"s LIKE '_'", "false", value.TypeBool},
		{"s LIKE '%l%l%'", "true", value.TypeBool},
		{"s LIKE '%l%l%l%'", "false", value.TypeBool},
		{"'a%b' LIKE 'a!%b' ESCAPE '!'", "true", value.TypeBool},
		{"'axb' LIKE 'a!%b' ESCAPE '!'", "false", value.TypeBool},
		{"'a_b' NOT LIKE 'a!_b' ESCAPE '!'", "false", value.TypeBool},
		{"'äöü' LIKE '_ö_'", "true", value.TypeBool},
		{"ns LIKE 'x'", "NULL", value.TypeBool},
		{"s LIKE s", "true", value.TypeBool},
		// CASE and CAST
		{"CASE WHEN i > 5 THEN 'big' ELSE 'small' END", "big", value.TypeString},
		{"CASE WHEN nb THEN 1 END", "NULL", value.TypeInt},
		{"CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", "seven", value.TypeString},
		{"CASE WHEN f THEN 1 ELSE 2.5 END", "2.5", value.TypeDouble},
		{"CASE WHEN b THEN 1 ELSE 2.5 END", "1", value.TypeDouble},
		{"CAST(d AS BIGINT)", "2", value.TypeInt},
		{"CAST('12' AS BIGINT) + 1", "13", value.TypeInt},
		{"CAST(js AS DOUBLE)", "5", value.TypeDouble},
		{"CAST(s AS DOUBLE)", "NULL", value.TypeDouble},
		{"i::STRING || 'x'", "7x", value.TypeString},
		{"CAST(t AS BIGINT)", "1795768215250", value.TypeInt},
		// JSON access
		{"j.env.temp", "21.5", value.TypeJSON},
		{"j.env.tags[1]", "b", value.TypeJSON},
		{"j['max temp']", "40", value.TypeJSON},
		{"j.env.tags[5]", "NULL", value.TypeJSON},
		{"j.nothing.deeper", "NULL", value.TypeJSON},
		{"j.env.temp > 20", "true", value.TypeBool},
		{"j.env['tags'][0] = 'a'", "true", value.TypeBool},
		{"j.s || '!'", "x!", value.TypeString},
	} {
		got, typ := evalSQL(t, tc.src)
		if got.String() != tc.want || typ != tc.typ {
			t.Errorf("%s = %v (%v), want %s (%v)", tc.src, got, typ, tc.want, tc.typ)
		}
		if !typ.Holds(got.Kind()) {
			t.Errorf("%s: a %v value from a %v expression", tc.src, got.Kind(), typ)
		}
	}
}

func TestConstantFolding(t *testing.T) {
	for _, src := range []string{"1 + 2 * 3", "UPPER('a') || 'b'", "ROUND(2.567, 1)", "CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END",
		"'2026-01-01'::TIMESTAMP + INTERVAL '1' DAY", "3 IN (1, 2, 3)"} {
		x, err := compileSQL(t, src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := x.Const(); !ok {
			t.Errorf("%s was not folded", src)
		}
	}
	for _, src := range []string{"NOW()", "i + 1", "NOW() - INTERVAL '1' HOUR"} {
		x, err := compileSQL(t, src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := x.Const(); ok {
			t.Errorf("%s was folded", src)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ src, pos, msg string }{
		{"x + 1", "1:1", "unknown column x"},
		{"i + 'a'", "1:3", "type mismatch: BIGINT + STRING is not defined (i + 'a')"},
		{"d > 'warm'", "1:3", "type mismatch: cannot compare DOUBLE with STRING (d > 'warm')"},
		{"t > 'yesterday'", "1:5", "'yesterday' is not a TIMESTAMP"},
		{"i AND b", "1:1", "AND needs a BOOLEAN on each side, found BIGINT (i)"},
		{"NOT s", "1:1", "NOT needs a BOOLEAN, found STRING (s)"},
		{"i LIKE 'x'", "1:1", "LIKE compares STRINGs, found BIGINT (i)"},
		{"s LIKE 'x' ESCAPE '!!'", "1:19", "ESCAPE takes one character in quotes, as in ESCAPE '!'"},
		{"s LIKE 'x!' ESCAPE '!'", "1:8", "LIKE pattern 'x!' ends with its escape character"},
		{"CASE WHEN i THEN 1 END", "1:11", "a WHEN condition must be a BOOLEAN, found BIGINT (i)"},
		{"CASE WHEN b THEN 1 ELSE 'x' END", "1:25", "the branches of CASE mix BIGINT with STRING ('x')"},
		{"CAST(t AS BOOLEAN)", "1:1", "cannot cast TIMESTAMP to BOOLEAN (CAST(t AS BOOLEAN))"},
		{"CAST('abc' AS BIGINT)", "1:1", "abc is not a BIGINT (CAST('abc' AS BIGINT))"},
		{"FOO(1)", "1:1", "unknown function FOO"},
		{"UPPPER(s)", "1:1", "unknown function UPPPER (did you mean UPPER?)"},
		{"ROUND(1, 2, 3)", "1:1", "ROUND takes 1 or 2 arguments, got 3"},
		{"ABS('x')", "1:5", "argument 1 of ABS must be a number, not STRING"},
		{"LOWER(i)", "1:7", "argument 1 of LOWER must be a STRING, not BIGINT"},
		{"DATE_TRUNC('hours', t)", "1:12", "DATE_TRUNC: unknown unit 'hours' (millisecond, second, minute, hour, day, week, month, quarter, year)"},
		{"DATE_PART(s, t)", "1:11", "argument 1 of DATE_PART must be a constant string: the field, as in DATE_PART('hour', ts)"},
		{"REGEXP_MATCH(s, '(')", "1:17", "REGEXP_MATCH: bad regular expression: error parsing regexp: missing closing ): `(`"},
		{"FORMAT_TIME(t, '%Q')", "1:16", "FORMAT_TIME: unknown directive %Q (%Y %m %d %H %M %S %f %L %j %a %b %F %T %s %z …)"},
		{"d.x", "1:2", "d is DOUBLE, not JSON: it has no member d.x"},
		{"s[0]", "1:2", "s is STRING, not JSON: it has no element s[0]"},
		{"COUNT(*) + 1", "1:1", "unknown function COUNT"},
		{"LAG(i, INTERVAL '1' HOUR)", "1:1", "LAG keeps state per key and may not be used here"},
		{"i IN (1, 'a')", "1:10", "type mismatch: cannot compare BIGINT with STRING (i IN (… 'a' …))"},
		{"COALESCE(i, s)", "1:13", "argument 2 of COALESCE is STRING, which does not mix with BIGINT"},
		{"UPPER(DISTINCT s)", "1:1", "UPPER is not an aggregate: it takes no * or DISTINCT"},
		{"-s", "1:1", "type mismatch: - STRING is not defined (-s)"},
		{"t + t", "1:3", "type mismatch: TIMESTAMP + TIMESTAMP is not defined (t + t)"},
	} {
		_, err := compileSQL(t, tc.src)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: err = %v, want an *Error", tc.src, err)
			continue
		}
		if e.Pos.String() != tc.pos || e.Msg != tc.msg {
			t.Errorf("%s:\n got %s: %s\nwant %s: %s", tc.src, e.Pos, e.Msg, tc.pos, tc.msg)
		}
	}
}
