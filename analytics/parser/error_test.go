package parser

import (
	"errors"
	"strings"
	"testing"
)

// Every error names what was expected and what was found, at the line and column of the
// offending token.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// the select list and FROM
		{"SELECT device FORM readings", "1:15: expected FROM after the select list, found 'FORM'"},
		{"SELECT device, temp\n  FORM readings", "2:3: expected FROM after the select list, found 'FORM'"},
		{"SELECT a WHERE b", "1:10: expected FROM after the select list, found 'WHERE'"},
		{"SELECT a", "1:9: expected FROM after the select list, found end of input"},
		{"SELECT FROM r", "1:8: expected an expression after 'SELECT', found 'FROM'"},
		{"SELECT a, FROM r", "1:11: expected an expression after ',', found 'FROM'"},
		{"SELECT DISTINCT a FROM r", "1:8: SELECT DISTINCT is not supported: GROUP BY the columns instead"},
		{"SELECT a AS FROM r", "1:13: expected an alias after AS, found the reserved word 'FROM' (quote it to use it as a name: \"from\")"},
		{"SELECT a FROM", "1:14: expected a stream or table name after FROM, found end of input"},
		{"SELECT a FROM select", "1:15: expected a stream or table name after FROM, found the reserved word 'select' (quote it to use it as a name: \"select\")"},
		{"SELECT a FROM r WHER a > 1", "1:17: expected JOIN, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, EMIT or the end of the statement after r, found 'WHER'"},
		{"SELECT a FROM r x y", "1:17: expected JOIN, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, EMIT or the end of the statement after r, found 'x'"},
		{"SELECT a FROM r SINCE 'yesterday'", "1:23: timestamp 'yesterday' is not an RFC 3339 time such as '2026-11-27T00:00:00Z', a UTC time such as '2026-11-27 08:30:00', or a date"},
		{"SELECT a FROM r WHERE", "1:22: expected an expression after 'WHERE', found end of input"},
		{"SELECT a FROM r GROUP device", "1:23: expected BY after GROUP, found 'device'"},
		{"SELECT a FROM r ORDER a", "1:23: expected BY after ORDER, found 'a'"},
		{"SELECT a FROM r LIMIT x", "1:23: expected a row count after LIMIT, found 'x'"},
		{"SELECT a FROM r LIMIT 1.5", "1:23: LIMIT takes a whole number of rows, found number 1.5"},
		{"SELECT a FROM r LIMIT 5 OFFSET 2", "1:25: expected ';' or the end of the input after the statement, found 'OFFSET'"},
		{"SELECT a FROM r; SELECT", "1:24: expected an expression after 'SELECT', found end of input"},
		{"SELECT a FROM r UNION SELECT b FROM s", "1:17: UNION is not supported: write one query per input"},
		// joins
		{"SELECT * FROM a, b", "1:16: a comma between sources is not supported: write JOIN … ON …"},
		{"SELECT * FROM a RIGHT JOIN b ON a.k = b.k", "1:17: RIGHT JOIN is not supported: swap the two sides and write LEFT JOIN"},
		{"SELECT * FROM a FULL JOIN b ON TRUE", "1:17: FULL JOIN is not supported: write JOIN or LEFT JOIN with an ON condition"},
		{"SELECT * FROM a JOIN b WHERE x", "1:24: expected ON after the joined source b, found 'WHERE'"},
		{"SELECT * FROM a LEFT b", "1:22: expected JOIN after LEFT, found 'b'"},
		// expressions
		{"SELECT a + FROM r", "1:12: expected an expression after '+', found 'FROM'"},
		{"SELECT (a + b FROM r", "1:15: expected ')' after 'b', found 'FROM'"},
		{"SELECT a IS 5 FROM r", "1:13: expected NULL after 'IS', found number 5"},
		{"SELECT a IS NOT TRUE FROM r", "1:17: expected NULL after 'NOT', found 'TRUE'"},
		{"SELECT a BETWEEN 1 OR 2 FROM r", "1:20: expected AND after the lower bound of BETWEEN, found 'OR'"},
		{"SELECT a IN 1 FROM r", "1:13: expected '(' after IN, found number 1"},
		{"SELECT a IN () FROM r", "1:14: expected an expression after '(', found ')'"},
		{"SELECT a IN (SELECT b FROM s) FROM r", "1:14: subqueries are not supported; IN takes a list of values"},
		{"SELECT (SELECT 1 FROM s) FROM r", "1:9: subqueries are not supported"},
		{"SELECT a = NOT b FROM r", "1:12: expected an expression after '=', found 'NOT'"},
		{"SELECT a NOT b FROM r", "1:10: expected FROM after the select list, found 'NOT'"},
		{"SELECT f(a b) FROM r", "1:12: expected ',' or ')' after 'a', found 'b'"},
		{"SELECT COUNT(DISTINCT *) FROM r", "1:23: expected an expression after 'DISTINCT', found '*'"},
		{"SELECT a. FROM r", "1:11: expected a field name after '.', found the reserved word 'FROM' (quote it to use it as a name: \"from\")"},
		{"SELECT a[1 FROM r", "1:12: expected ']' after the index, found 'FROM'"},
		{"SELECT a::text FROM r", "1:11: expected a type (STRING, DOUBLE, BIGINT, BOOLEAN, TIMESTAMP or JSON) after '::', found 'text'"},
		{"SELECT CAST(a) FROM r", "1:14: expected AS after the value of CAST, found ')'"},
		{"SELECT CAST(a AS b) FROM r", "1:18: expected a type (STRING, DOUBLE, BIGINT, BOOLEAN, TIMESTAMP or JSON) after AS, found 'b'"},
		{"SELECT CASE END FROM r", "1:13: expected an expression after 'CASE', found 'END'"},
		{"SELECT CASE a THEN 1 END FROM r", "1:15: expected WHEN after the operand of CASE, found 'THEN'"},
		{"SELECT CASE WHEN a 1 END FROM r", "1:20: expected THEN after the condition of WHEN, found number 1"},
		{"SELECT CASE WHEN a THEN 1 FROM r", "1:27: expected END after the last branch of CASE, found 'FROM'"},
		{"SELECT 9223372036854775808 FROM r", "1:8: integer 9223372036854775808 is out of range for a BIGINT (write 9223372036854775808.0 for a DOUBLE)"},
		{"SELECT -1e999 FROM r", "1:8: number -1e999 is out of range for a DOUBLE"},
		{"SELECT TUMBLE(ts, INTERVAL '1' MINUTE) FROM r", "1:8: TUMBLE is a window: it goes in GROUP BY, as in GROUP BY device, TUMBLE(ts, INTERVAL '1' MINUTE)"},
		{"SELECT a LIKE 'x' ESCAPE FROM r", "1:26: expected an expression after 'ESCAPE', found 'FROM'"},
		// intervals and timestamps
		{"SELECT INTERVAL 5 SECOND FROM r", "1:17: expected a quoted length, as in INTERVAL '5' SECOND or INTERVAL '1h30m', after INTERVAL, found number 5"},
		{"SELECT INTERVAL '1.5' MINUTE FROM r", "1:17: interval '1.5' MINUTE: the quantity must be a whole number, as in INTERVAL '5' MINUTE"},
		{"SELECT INTERVAL '5' FROM r", "1:17: interval '5' is not a duration such as '90s', '1h30m' or '250ms'"},
		{"SELECT INTERVAL '-5s' FROM r", "1:17: interval '-5s' has a sign; intervals are lengths, never negative"},
		{"SELECT INTERVAL '999999999999' DAY FROM r", "1:17: interval '999999999999' DAY is too long (at most about 292 years)"},
		{"SELECT TIMESTAMP '2026-13-01' FROM r", "1:18: timestamp '2026-13-01' is not an RFC 3339 time such as '2026-11-27T00:00:00Z', a UTC time such as '2026-11-27 08:30:00', or a date"},
		// windows
		{"SELECT 1 FROM r GROUP BY TUMBLE(ts)", "1:26: wrong arguments for TUMBLE: it takes TUMBLE([time,] size), as in TUMBLE(ts, INTERVAL '1' MINUTE)"},
		{"SELECT 1 FROM r GROUP BY TUMBLE(ts, 60)", "1:37: the size of TUMBLE must be an INTERVAL literal, as in INTERVAL '1' MINUTE"},
		{"SELECT 1 FROM r GROUP BY HOP(ts, INTERVAL '1' MINUTE)", "1:26: wrong arguments for HOP: it takes HOP([time,] size, slide), as in HOP(ts, INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)"},
		{"SELECT 1 FROM r GROUP BY HOP(INTERVAL '5' MINUTE, '1m')", "1:51: the slide of HOP must be an INTERVAL literal, as in INTERVAL '1' MINUTE"},
		{"SELECT 1 FROM r GROUP BY SLIDE(ts, ROWS x)", "1:41: expected ',' or ')' after 'ROWS', found 'x'"},
		{"SELECT 1 FROM r GROUP BY SESSION(ts)", "1:26: wrong arguments for SESSION: it takes SESSION([time,] gap[, max length]), as in SESSION(ts, INTERVAL '30' SECOND)"},
		{"SELECT 1 FROM r GROUP BY COUNTWINDOW(ts)", "1:38: expected a row count, as in COUNTWINDOW(100) or COUNTWINDOW(100, 10), after '(', found 'ts'"},
		{"SELECT 1 FROM r GROUP BY COUNTWINDOW(1, 2, 3)", "1:26: wrong arguments for COUNTWINDOW: it takes COUNTWINDOW(rows[, slide rows]), as in COUNTWINDOW(100)"},
		{"SELECT 1 FROM r GROUP BY COUNTWINDOW(2.5)", "1:38: a row count is a whole number, found number 2.5"},
		{"SELECT 1 FROM r GROUP BY TUMBLE(INTERVAL '1' MINUTE), HOP(INTERVAL '1' MINUTE, INTERVAL '1' MINUTE)", "1:55: a query has one window; this is a second one"},
		// emit
		{"SELECT 1 FROM r EMIT", "1:21: expected ON WINDOW CLOSE, ON UPDATE, EVERY INTERVAL … or LATE INTO after EMIT, found end of input"},
		{"SELECT 1 FROM r EMIT ON CLOSE", "1:25: expected WINDOW CLOSE or UPDATE after EMIT ON, found 'CLOSE'"},
		{"SELECT 1 FROM r EMIT ON WINDOW END", "1:32: expected CLOSE after EMIT ON WINDOW, found 'END'"},
		{"SELECT 1 FROM r EMIT EVERY '10s'", "1:28: expected an INTERVAL, as in EMIT EVERY INTERVAL '10' SECOND, after EMIT EVERY, found string '10s'"},
		{"SELECT 1 FROM r EMIT ON UPDATE EMIT ON UPDATE", "1:32: a query has one EMIT policy; this is a second one"},
		{"SELECT 1 FROM r EMIT LATE INTO late", "1:22: EMIT LATE INTO belongs to CREATE QUERY: an ad-hoc SELECT keeps no late rows"},
		{"CREATE QUERY q AS INSERT INTO o SELECT 1 FROM r EMIT LATE INTO a EMIT LATE INTO b", "1:71: EMIT LATE INTO is given twice"},
		// CREATE, DROP and the rest
		{"CREATE VIEW v", "1:8: expected STREAM, TABLE or QUERY after CREATE, found 'VIEW'"},
		{"CREATE STREAM", "1:14: expected a stream name after CREATE STREAM, found end of input"},
		{"CREATE STREAM r (a STRING, b)", "1:29: expected a type (STRING, DOUBLE, BIGINT, BOOLEAN, TIMESTAMP or JSON) after column b, found ')'"},
		{"CREATE STREAM r (a STRING b DOUBLE)", "1:27: expected ',' or ')' after column a, found 'b'"},
		{"CREATE STREAM r (a STRING, a DOUBLE)", "1:28: column a is declared twice"},
		{"CREATE STREAM r ()", "1:18: expected a column name after '(', found ')'"},
		{"CREATE STREAM r WITH source = 'x'", "1:22: expected '(' after WITH, found 'source'"},
		{"CREATE STREAM r WITH (format = \"json\")", "1:32: expected a value (a string, a number, TRUE, FALSE or an INTERVAL) for option format, found \"json\" (strings take single quotes: 'json')"},
		{"CREATE STREAM r WITH (format 'json')", "1:30: expected '=' after the option name format, found string 'json'"},
		{"CREATE STREAM r WITH (a = 1, A = 2)", "1:30: option a is given twice"},
		{"CREATE STREAM r WITH (a = 1 b = 2)", "1:29: expected ',' or ')' after the value of option a, found 'b'"},
		{"CREATE TABLE t WITH (file = x)", "1:29: expected a value (a string, a number, TRUE, FALSE or an INTERVAL) for option file, found 'x'"},
		{"CREATE QUERY q INSERT INTO o SELECT 1 FROM r", "1:16: expected AS after the query name, found 'INSERT'"},
		{"CREATE QUERY q AS SELECT 1 FROM r", "1:19: expected INSERT after AS, found 'SELECT'"},
		{"CREATE QUERY q AS INSERT o SELECT 1 FROM r", "1:26: expected INTO after INSERT, found 'o'"},
		{"CREATE QUERY q AS INSERT INTO o FROM r", "1:33: expected SELECT after INSERT INTO o, found 'FROM'"},
		{"INSERT INTO o SELECT 1 FROM r", "1:1: INSERT INTO … SELECT runs continuously, as a named query: write CREATE QUERY name AS INSERT INTO …"},
		{"DROP VIEW v", "1:6: expected STREAM, TABLE or QUERY after DROP, found 'VIEW'"},
		{"DROP STREAM", "1:12: expected a name after DROP STREAM, found end of input"},
		{"UPDATE r SET a = 1", "1:1: expected a statement (SELECT, CREATE STREAM, CREATE TABLE, CREATE QUERY or DROP), found 'UPDATE'"},
		{"DROP STREAM a DROP STREAM b", "1:15: expected ';' or the end of the input after the statement, found 'DROP'"},
		// lexical errors surface where the parser reaches them
		{"SELECT a # b FROM r", "1:10: unexpected character '#'"},
		{"SELECT 'open FROM r", "1:8: unterminated string: ' without a closing '"},
		{"SELECT a\nFROM r /* never closed", "2:8: unterminated comment: /* without */"},
		{"SELECT 5x FROM r", "1:8: malformed number \"5x\""},
		{"SELECT a FROM r WHERE é = \xff", "1:27: invalid UTF-8 byte 0xff"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, err := Parse(tc.src)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want an *Error", err)
			}
			checkPos(t, tc.src, pe.Pos)
			if got := pe.Pos.String() + ": " + pe.Msg; got != tc.want {
				t.Errorf("got  %s\nwant %s\n%s", got, tc.want, pe.Pos.Excerpt(tc.src))
			}
		})
	}
}

func TestErrorMessageAndExcerpt(t *testing.T) {
	src := "CREATE QUERY q AS INSERT INTO o\n  SELECT device\n  FORM readings"
	_, err := ParseStatement(src)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if got, want := err.Error(), "line 3, column 3: expected FROM after the select list, found 'FORM'"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := pe.Pos.Excerpt(src), "  FORM readings\n  ^"; got != want {
		t.Errorf("excerpt %q, want %q", got, want)
	}
}

func TestParseStatementOne(t *testing.T) {
	for src, want := range map[string]string{
		"":                             "line 1, column 1: expected a statement (SELECT, CREATE STREAM, CREATE TABLE, CREATE QUERY or DROP), found end of input",
		"DROP STREAM a; DROP STREAM b": "line 1, column 16: expected one statement, found a second one at 'DROP'",
		"DROP STREAM a;":               "",
		"SELECT a FROM r ; ":           "",
	} {
		_, err := ParseStatement(src)
		if got := errString(err); got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

func TestParseExprTrailing(t *testing.T) {
	_, err := ParseExpr("a + b c")
	if got, want := errString(err), "line 1, column 7: expected an operator or the end of the expression after 'b', found 'c'"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Nesting is bounded, so that a hostile statement cannot exhaust the stack.
func TestDepthLimit(t *testing.T) {
	for name, src := range map[string]string{
		"parentheses": "SELECT " + strings.Repeat("(", maxDepth+5) + "a" + strings.Repeat(")", maxDepth+5) + " FROM r",
		"minus":       "SELECT " + strings.Repeat("- ", maxDepth+5) + "a FROM r",
		"not":         "SELECT a FROM r WHERE " + strings.Repeat("NOT ", maxDepth+5) + "a",
		"chain":       "SELECT a" + strings.Repeat(" + a", maxDepth+5) + " FROM r",
		"postfix":     "SELECT a" + strings.Repeat(".b", maxDepth+5) + " FROM r",
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), "expression nested too deeply") {
			t.Errorf("%s: got %v", name, err)
		}
	}
	ok := "SELECT " + strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100) + strings.Repeat(" + a", 100) + " FROM r"
	if _, err := Parse(ok); err != nil {
		t.Errorf("100 levels: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
