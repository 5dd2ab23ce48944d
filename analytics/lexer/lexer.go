package lexer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a lexical problem at a position in the text.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Lexer reads tokens from SQL text, one at a time.
type Lexer struct {
	src     string
	off     int // byte offset of the next rune
	line    int
	col     int
	lastEnd Pos    // just after the last token: where EOF is reported
	err     *Error // sticky: once set, Next returns it again
}

// New returns a lexer over src.
func New(src string) *Lexer {
	return &Lexer{src: src, line: 1, col: 1, lastEnd: Pos{Line: 1, Column: 1}}
}

// Next returns the next token. At the end of the text it returns an EOF token, again on
// every call. On bad input it returns an Illegal token at the problem and an *Error, again
// on every later call.
func (l *Lexer) Next() (Token, error) {
	if l.err != nil {
		return Token{Kind: Illegal, Pos: l.err.Pos, End: l.err.Pos.Offset}, l.err
	}
	tok, err := l.scan()
	if err != nil {
		l.err = err
		return Token{Kind: Illegal, Pos: err.Pos, End: err.Pos.Offset}, err
	}
	if tok.Kind != EOF {
		l.lastEnd = l.pos()
	}
	return tok, nil
}

func (l *Lexer) pos() Pos {
	return Pos{Offset: l.off, Line: l.line, Column: l.col}
}

// peekRune returns the rune n runes ahead without moving (0 at the end of the text or on
// invalid UTF-8, which scan reports where it starts).
func (l *Lexer) peekRune(n int) rune {
	off := l.off
	for ; off < len(l.src); n-- {
		r, size := utf8.DecodeRuneInString(l.src[off:])
		if r == utf8.RuneError && size == 1 {
			return 0
		}
		if n == 0 {
			return r
		}
		off += size
	}
	return 0
}

// advance moves past one rune.
func (l *Lexer) advance() {
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += size
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
}

func (l *Lexer) errorf(at Pos, format string, args ...any) *Error {
	return &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
}

// checkRune reports invalid UTF-8 at the current offset.
func (l *Lexer) checkRune() *Error {
	if r, size := utf8.DecodeRuneInString(l.src[l.off:]); r == utf8.RuneError && size == 1 {
		return l.errorf(l.pos(), "invalid UTF-8 byte 0x%02x", l.src[l.off])
	}
	return nil
}

func (l *Lexer) scan() (Token, *Error) {
	if err := l.skipBlank(); err != nil {
		return Token{}, err
	}
	start := l.pos()
	if l.off >= len(l.src) {
		return Token{Kind: EOF, Pos: l.lastEnd, End: l.lastEnd.Offset}, nil
	}
	if err := l.checkRune(); err != nil {
		return Token{}, err
	}
	r := l.peekRune(0)
	switch {
	case IsIdentStart(r):
		return l.scanWord(start), nil
	case isDigit(r) || r == '.' && isDigit(l.peekRune(1)):
		return l.scanNumber(start)
	case r == '\'':
		text, err := l.scanQuoted('\'', "string")
		if err != nil {
			return Token{}, err
		}
		return l.token(String, text, start), nil
	case r == '"' || r == '`':
		text, err := l.scanQuoted(r, "quoted identifier")
		if err != nil {
			return Token{}, err
		}
		if text == "" {
			return Token{}, l.errorf(start, "empty quoted identifier")
		}
		return l.token(QuotedIdent, text, start), nil
	}
	return l.scanOperator(start, r)
}

// token finishes a token that started at start and ends at the current offset.
func (l *Lexer) token(k Kind, text string, start Pos) Token {
	return Token{Kind: k, Text: text, Pos: start, End: l.off}
}

// skipBlank skips whitespace and comments.
func (l *Lexer) skipBlank() *Error {
	for l.off < len(l.src) {
		switch c := l.src[l.off]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.advance()
		case strings.HasPrefix(l.src[l.off:], "--"):
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				if err := l.checkRune(); err != nil {
					return err
				}
				l.advance()
			}
		case strings.HasPrefix(l.src[l.off:], "/*"):
			start := l.pos()
			l.advance()
			l.advance()
			for !strings.HasPrefix(l.src[l.off:], "*/") {
				if l.off >= len(l.src) {
					return l.errorf(start, "unterminated comment: /* without */")
				}
				if err := l.checkRune(); err != nil {
					return err
				}
				l.advance()
			}
			l.advance()
			l.advance()
		default:
			return nil
		}
	}
	return nil
}

func (l *Lexer) scanWord(start Pos) Token {
	for l.off < len(l.src) && IsIdentPart(l.peekRune(0)) {
		l.advance()
	}
	word := l.src[start.Offset:l.off]
	if upper, ok := keyword(word); ok {
		return l.token(Keyword, upper, start)
	}
	return l.token(Ident, word, start)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func (l *Lexer) digits() {
	for isDigit(l.peekRune(0)) {
		l.advance()
	}
}

func (l *Lexer) scanNumber(start Pos) (Token, *Error) {
	l.digits()
	if l.peekRune(0) == '.' && isDigit(l.peekRune(1)) {
		l.advance()
		l.digits()
	}
	if r := l.peekRune(0); r == 'e' || r == 'E' {
		sign := l.peekRune(1) == '+' || l.peekRune(1) == '-'
		next := l.peekRune(1)
		if sign {
			next = l.peekRune(2)
		}
		if isDigit(next) {
			l.advance()
			if sign {
				l.advance()
			}
			l.digits()
		}
	}
	if IsIdentPart(l.peekRune(0)) {
		for IsIdentPart(l.peekRune(0)) {
			l.advance()
		}
		return Token{}, l.errorf(start, "malformed number %q", l.src[start.Offset:l.off])
	}
	return l.token(Number, l.src[start.Offset:l.off], start), nil
}

// scanQuoted reads a quoted string or identifier; a doubled quote stands for one.
func (l *Lexer) scanQuoted(quote rune, what string) (string, *Error) {
	start := l.pos()
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return "", l.errorf(start, "unterminated %s: %c without a closing %c", what, quote, quote)
		}
		if err := l.checkRune(); err != nil {
			return "", err
		}
		r := l.peekRune(0)
		l.advance()
		if r == quote {
			if l.peekRune(0) != quote {
				return b.String(), nil
			}
			l.advance()
		}
		b.WriteRune(r)
	}
}

func (l *Lexer) scanOperator(start Pos, r rune) (Token, *Error) {
	two := ""
	if l.off+2 <= len(l.src) {
		two = l.src[l.off : l.off+2]
	}
	var k Kind
	n := 2
	switch two {
	case "||":
		k = Concat
	case "<>", "!=":
		k = Ne
	case "<=":
		k = Le
	case ">=":
		k = Ge
	case "::":
		k = DoubleColon
	default:
		n = 1
		switch r {
		case ',':
			k = Comma
		case ';':
			k = Semicolon
		case '(':
			k = LParen
		case ')':
			k = RParen
		case '[':
			k = LBracket
		case ']':
			k = RBracket
		case '.':
			k = Dot
		case '+':
			k = Plus
		case '-':
			k = Minus
		case '*':
			k = Star
		case '/':
			k = Slash
		case '%':
			k = Percent
		case '=':
			k = Eq
		case '<':
			k = Lt
		case '>':
			k = Gt
		default:
			return Token{}, l.errorf(start, "unexpected character %s", describeRune(r))
		}
	}
	for range n {
		l.advance()
	}
	return l.token(k, l.src[start.Offset:l.off], start), nil
}

// describeRune quotes a character for an error, spelling out the invisible ones.
func describeRune(r rune) string {
	if unicode.IsGraphic(r) && !unicode.IsSpace(r) {
		return fmt.Sprintf("'%c'", r)
	}
	return fmt.Sprintf("%U", r)
}
