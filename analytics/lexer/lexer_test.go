package lexer

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// lexAll returns the tokens of src up to EOF, formatted as "kind:text@line:col", or the
// first error.
func lexAll(src string) ([]string, error) {
	l := New(src)
	var out []string
	for {
		tok, err := l.Next()
		if err != nil {
			return out, err
		}
		if tok.Kind == EOF {
			return out, nil
		}
		out = append(out, fmt.Sprintf("%s:%s@%s", tok.Kind, tok.Text, tok.Pos))
	}
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"select Device FROM x", "keyword:SELECT@1:1 identifier:Device@1:8 keyword:FROM@1:15 identifier:x@1:20"},
		{"timestamp SESSION rows", "identifier:timestamp@1:1 identifier:SESSION@1:11 identifier:rows@1:19"},
		{`"select" "a""b" ` + "`c``d`", `quoted identifier:select@1:1 quoted identifier:a"b@1:10 quoted identifier:c` + "`d@1:17"},
		{"température _x1", "identifier:température@1:1 identifier:_x1@1:13"},
		{"42 3.14 .5 1e6 2.5E-3 7e+2", "number:42@1:1 number:3.14@1:4 number:.5@1:9 number:1e6@1:12 number:2.5E-3@1:16 number:7e+2@1:23"},
		{"5.x a.0", "number:5@1:1 '.':.@1:2 identifier:x@1:3 identifier:a@1:5 number:.0@1:6"},
		{"'it''s' ''", "string:it's@1:1 string:@1:9"},
		{"'two\nlines' x", "string:two\nlines@1:1 identifier:x@2:8"},
		{"a||b<>c!=d<=e>=f::g", "identifier:a@1:1 '||':||@1:2 identifier:b@1:4 '<>':<>@1:5 identifier:c@1:7 '<>':!=@1:8 identifier:d@1:10 '<=':<=@1:11 identifier:e@1:13 '>=':>=@1:14 identifier:f@1:16 '::':::@1:17 identifier:g@1:19"},
		{"(a[0]),;.+-*/%=<>", "'(':(@1:1 identifier:a@1:2 '[':[@1:3 number:0@1:4 ']':]@1:5 ')':)@1:6 ',':,@1:7 ';':;@1:8 '.':.@1:9 '+':+@1:10 '-':-@1:11 '*':*@1:12 '/':/@1:13 '%':%@1:14 '=':=@1:15 '<>':<>@1:16"},
		{"a -- comment\n/* block\n comment */ b", "identifier:a@1:1 identifier:b@3:13"},
		{"a-/**/-b", "identifier:a@1:1 '-':-@1:2 '-':-@1:7 identifier:b@1:8"},
		{"\t\r\n  é x", "identifier:é@2:3 identifier:x@2:5"},
		{"ſelect", "identifier:ſelect@1:1"},
		{"", ""},
	} {
		t.Run(tc.src, func(t *testing.T) {
			got, err := lexAll(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"a # b", "line 1, column 3: unexpected character '#'"},
		{"a\n  'open", "line 2, column 3: unterminated string: ' without a closing '"},
		{`x "open`, `line 1, column 3: unterminated quoted identifier: " without a closing "`},
		{"x ``", "line 1, column 3: empty quoted identifier"},
		{"a /* no end", "line 1, column 3: unterminated comment: /* without */"},
		{"1e", `line 1, column 1: malformed number "1e"`},
		{"x 5abc", `line 1, column 3: malformed number "5abc"`},
		{"a | b", "line 1, column 3: unexpected character '|'"},
		{"a ! b", "line 1, column 3: unexpected character '!'"},
		{"a : b", "line 1, column 3: unexpected character ':'"},
		{"é \xff", "line 1, column 3: invalid UTF-8 byte 0xff"},
		{"'a\xffb'", "line 1, column 3: invalid UTF-8 byte 0xff"},
		{"-- \xfe", "line 1, column 4: invalid UTF-8 byte 0xfe"},
		{"a \x00", "line 1, column 3: unexpected character U+0000"},
		{"a\u00a0b", "line 1, column 2: unexpected character U+00A0"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, err := lexAll(tc.src)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}

// The EOF token sits after the last token, not after trailing blanks, so that "found end
// of input" points where the statement stopped.
func TestEOFPosition(t *testing.T) {
	l := New("SELECT a\n\n  -- done\n")
	var tok Token
	for {
		var err error
		if tok, err = l.Next(); err != nil {
			t.Fatal(err)
		}
		if tok.Kind == EOF {
			break
		}
	}
	if tok.Pos != (Pos{Offset: 8, Line: 1, Column: 9}) {
		t.Errorf("EOF at %+v", tok.Pos)
	}
}

func TestQuoteIdent(t *testing.T) {
	for name, want := range map[string]string{
		"temp": "temp", "Temp_2": "Temp_2", "from": `"from"`, "From": `"From"`,
		"timestamp": "timestamp", "2x": `"2x"`, "my-stream": `"my-stream"`, `a"b`: `"a""b"`,
		"": `""`, "température": "température",
	} {
		if got := QuoteIdent(name); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", name, got, want)
		}
	}
	if got := QuoteString("it's"); got != "'it''s'" {
		t.Errorf("QuoteString = %s", got)
	}
}

func TestExcerpt(t *testing.T) {
	src := "SELECT a\n\tFROM\tx WHERE\r\nb"
	for _, tc := range []struct {
		pos  Pos
		want string
	}{
		{Pos{Offset: 7, Line: 1, Column: 8}, "SELECT a\n       ^"},
		{Pos{Offset: 15, Line: 2, Column: 7}, "\tFROM\tx WHERE\n\t    \t^"},
		{Pos{Offset: len(src), Line: 3, Column: 2}, "b\n ^"},
		{Pos{Offset: 999}, "b\n ^"},
	} {
		if got := tc.pos.Excerpt(src); got != tc.want {
			t.Errorf("Excerpt(%v) = %q, want %q", tc.pos, got, tc.want)
		}
	}
}

// FuzzLex: no input panics the lexer; tokens come in order, each at the line and column
// its offset implies, each a slice of the text; an error stops the stream at a position
// inside the text.
func FuzzLex(f *testing.F) {
	for _, s := range []string{
		"SELECT a, b.c['k'][0] FROM \"x\" WHERE t >= 1.5e3 -- c\n/* d */",
		"'it''s' `q``q` a||b<>c!=d::e", "é\xff", "1e+", "'open", "/*", ".5.5..5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		l := New(src)
		prev := 0
		for range len(src) + 2 {
			tok, err := l.Next()
			if err != nil {
				checkPos(t, src, err.(*Error).Pos)
				return
			}
			checkPos(t, src, tok.Pos)
			if tok.Kind == EOF {
				return
			}
			if tok.Pos.Offset < prev || tok.End <= tok.Pos.Offset || tok.End > len(src) {
				t.Fatalf("token %+v out of order (previous ended at %d)", tok, prev)
			}
			prev = tok.End
		}
		t.Fatal("no EOF after len(src)+2 tokens")
	})
}

// checkPos requires that p's line and column be those of its offset in src.
func checkPos(t *testing.T, src string, p Pos) {
	t.Helper()
	if p.Offset < 0 || p.Offset > len(src) {
		t.Fatalf("offset %d outside the text", p.Offset)
	}
	before := src[:p.Offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	if p.Line != line || p.Column != col {
		t.Fatalf("position %+v, but its offset is at %d:%d", p, line, col)
	}
}
