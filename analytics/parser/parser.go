package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// maxDepth bounds how deeply expressions nest (parentheses, operators in a chain, prefix
// operators), so that a hostile statement cannot exhaust the stack of the parser, the
// printer or the planner. Hand-written queries stay far below it.
const maxDepth = 1000

// Parse reads a script: statements separated by ';', the last one optionally followed by
// one too. Empty statements are skipped; an empty script is no error.
func Parse(src string) (ast.Script, error) {
	p := newParser(src)
	var script ast.Script
	for {
		for p.tok().Kind == lexer.Semicolon {
			p.advance()
		}
		if p.tok().Kind == lexer.EOF {
			return script, nil
		}
		st, err := p.parseStatement()
		if err != nil {
			return nil, err
		}
		script = append(script, st)
		if err := p.endStatement(); err != nil {
			return nil, err
		}
	}
}

// ParseStatement reads exactly one statement, optionally followed by ';'.
func ParseStatement(src string) (ast.Statement, error) {
	p := newParser(src)
	st, err := p.parseStatement()
	if err != nil {
		return nil, err
	}
	if err := p.endStatement(); err != nil {
		return nil, err
	}
	if t := p.tok(); t.Kind != lexer.EOF {
		return nil, p.errorAt(t, "expected one statement, found a second one at %s", p.describe(t))
	}
	return st, nil
}

// ParseExpr reads one expression and nothing else.
func ParseExpr(src string) (ast.Expr, error) {
	p := newParser(src)
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.tok(); t.Kind != lexer.EOF {
		return nil, p.expected("an operator or the end of the expression", "")
	}
	return e, nil
}

// parser is a recursive-descent parser over a lexer, with as much lookahead as a rule asks
// for (three tokens at most).
type parser struct {
	src    string
	lx     *lexer.Lexer
	buf    []lexer.Token // buf[0] is the current token
	prev   lexer.Token   // the last token consumed, named in "after …" messages
	lexErr *lexer.Error  // the lexer's error, reported when the parser reaches it
	depth  int
}

func newParser(src string) *parser {
	return &parser{src: src, lx: lexer.New(src)}
}

// peek returns the token n ahead of the current one.
func (p *parser) peek(n int) lexer.Token {
	for len(p.buf) <= n {
		t, err := p.lx.Next()
		if err != nil && p.lexErr == nil {
			p.lexErr = err.(*lexer.Error)
		}
		p.buf = append(p.buf, t)
	}
	return p.buf[n]
}

func (p *parser) tok() lexer.Token { return p.peek(0) }

// advance consumes the current token and returns it. At EOF or an Illegal token it stays.
func (p *parser) advance() lexer.Token {
	t := p.tok()
	if t.Kind != lexer.EOF && t.Kind != lexer.Illegal {
		p.buf = p.buf[1:]
		p.prev = t
	}
	return t
}

// isKeyword reports whether t is the reserved word kw (upper case).
func isKeyword(t lexer.Token, kw string) bool {
	return t.Kind == lexer.Keyword && t.Text == kw
}

// isWord reports whether t is the non-reserved keyword w (upper case), in any case, and
// unquoted: "rows" in double quotes is a name, never the keyword.
func isWord(t lexer.Token, w string) bool {
	if t.Kind != lexer.Ident || len(t.Text) != len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := t.Text[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// acceptKeyword consumes the reserved word kw when it is the current token.
func (p *parser) acceptKeyword(kw string) bool {
	if isKeyword(p.tok(), kw) {
		p.advance()
		return true
	}
	return false
}

// acceptWord consumes the non-reserved keyword w when it is the current token.
func (p *parser) acceptWord(w string) bool {
	if isWord(p.tok(), w) {
		p.advance()
		return true
	}
	return false
}

// expectKeyword consumes the reserved word kw, or fails with "expected KW after …".
func (p *parser) expectKeyword(kw, after string) error {
	if p.acceptKeyword(kw) {
		return nil
	}
	return p.expected(kw, after)
}

// expectWord consumes the non-reserved keyword w, or fails with "expected W after …".
func (p *parser) expectWord(w, after string) error {
	if p.acceptWord(w) {
		return nil
	}
	return p.expected(w, after)
}

// expectKind consumes a token of kind k, or fails with "expected <k> after …".
func (p *parser) expectKind(k lexer.Kind, after string) (lexer.Token, error) {
	if t := p.tok(); t.Kind == k {
		return p.advance(), nil
	}
	return lexer.Token{}, p.expected(k.String(), after)
}

// expected fails at the current token: "expected <what> after <after>, found <token>".
// An empty after names the previous token.
func (p *parser) expected(what, after string) error {
	t := p.tok()
	if after == "" {
		after = p.describe(p.prev)
		if p.prev.End == 0 {
			return p.errorAt(t, "expected %s, found %s", what, p.describe(t))
		}
	}
	return p.errorAt(t, "expected %s after %s, found %s", what, after, p.describe(t))
}

// errorAt builds an *Error at t. At an Illegal token the lexer's error is reported instead:
// it is the first thing wrong there.
func (p *parser) errorAt(t lexer.Token, format string, args ...any) error {
	if t.Kind == lexer.Illegal && p.lexErr != nil {
		return &Error{Pos: p.lexErr.Pos, Msg: p.lexErr.Msg}
	}
	return &Error{Pos: t.Pos, Msg: fmt.Sprintf(format, args...)}
}

// errorAtPos builds an *Error at a position.
func errorAtPos(at lexer.Pos, format string, args ...any) error {
	return &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
}

// raw is the token as written.
func (p *parser) raw(t lexer.Token) string {
	return p.src[t.Pos.Offset:t.End]
}

// describe names a token for a message: 'FORM', string 'abc', number 42, end of input.
// Long tokens are cut short.
func (p *parser) describe(t lexer.Token) string {
	raw := p.raw(t)
	if utf8.RuneCountInString(raw) > 32 {
		raw = string([]rune(raw)[:32]) + "…"
	}
	switch t.Kind {
	case lexer.EOF:
		return "end of input"
	case lexer.String:
		return "string " + raw
	case lexer.Number:
		return "number " + raw
	case lexer.QuotedIdent:
		return raw
	}
	return "'" + raw + "'"
}

// enter counts one more level of nesting and fails past maxDepth. The caller restores
// p.depth when it returns.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorAt(p.tok(), "expression nested too deeply (more than %d levels)", maxDepth)
	}
	return nil
}

// name reads a name: an identifier, quoted or not. what says which, for the error; a
// reserved word gets a hint to quote it.
func (p *parser) name(what, after string) (*ast.Ident, error) {
	t := p.tok()
	switch t.Kind {
	case lexer.Ident, lexer.QuotedIdent:
		p.advance()
		return &ast.Ident{At: t.Pos, Name: t.Text}, nil
	case lexer.Keyword:
		return nil, p.errorAt(t, "expected %s after %s, found the reserved word %s (quote it to use it as a name: %s)",
			what, after, p.describe(t), lexer.QuoteIdent(strings.ToLower(p.raw(t))))
	}
	return nil, p.expected(what, after)
}
