package eval

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidegate/tidegate/analytics/parser"
)

// FuzzEval: any expression that parses either compiles or gets an *Error that points
// inside the text, and a compiled one evaluates without panicking to a value of its type.
func FuzzEval(f *testing.F) {
	for _, s := range []string{"i + 1", "d * 2 > 3 AND s LIKE 'H%'", "CASE WHEN b THEN j.env.temp ELSE 1 END",
		"CAST(js AS DOUBLE) / 0", "t - INTERVAL '1' HOUR > '2026-01-01'", "i IN (1, 2, 3, 4, 5, 6, NULL)",
		"SUBSTRING(s, -5, 3) || UPPER(js)", "ROUND(d, 400)", "j['env'].tags[0] = 'a'", "GREATEST(i, d, ni)",
		"FORMAT_TIME(t, s)", "REGEXP_EXTRACT(s, js, i)", "-9223372036854775807 - 1", "DATE_TRUNC('week', t - iv * 1e9)",
		"iv / 0.0", "NOT (nb OR f) IS NULL", "JSON_VALUE(js, s)", "SPLIT_PART(s, '', -9223372036854775807 - 1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := parser.ParseExpr(src)
		if err != nil {
			return
		}
		x, err := compileSQL(t, src)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Pos.Line < 1 || ce.Pos.Offset > len(src) {
				t.Fatalf("%s: error without a position: %v", src, err)
			}
			return
		}
		_, row := testRow()
		v := x.Eval(&Env{Row: row})
		if !x.Type.Holds(v.Kind()) {
			t.Fatalf("%s (%s): a %v value from a %v expression", src, e, v.Kind(), x.Type)
		}
	})
}

// likeRegexp is LIKE's meaning as a regular expression, the reference for the matcher.
func likeRegexp(pattern string, escape rune) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == escape && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// FuzzLike holds the LIKE matcher to a regular expression with the same meaning.
func FuzzLike(f *testing.F) {
	for _, s := range [][2]string{{"hello", "h%o"}, {"hello", "%l_o"}, {"abcabc", "%b%c"}, {"a%b", "a!%b"}, {"", "%"}, {"x", "_%_"}, {"aab", "%ab"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, pattern string) {
		if !utf8.ValidString(s) || !utf8.ValidString(pattern) || strings.HasSuffix(pattern, "!") {
			return
		}
		m, err := compileLike(pattern, '!')
		if err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
		if got, want := m.match(s), likeRegexp(pattern, '!').MatchString(s); got != want {
			t.Fatalf("%q LIKE %q = %v, want %v", s, pattern, got, want)
		}
	})
}
