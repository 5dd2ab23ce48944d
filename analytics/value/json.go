package value

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth is the nesting encoding/json accepts, so that both refuse the same texts.
const maxJSONDepth = 10000

// ErrNotObject is returned by DecodeObject for valid JSON that is not an object.
var ErrNotObject = errors.New("value: record is not a JSON object")

// SyntaxError is malformed JSON at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("value: invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// ParseJSON reads one JSON value (and only whitespace around it). A number written without
// a fraction or an exponent that fits a BIGINT is a BIGINT; every other number a DOUBLE.
// Strings share the memory of s where they need no unescaping.
func ParseJSON(s string) (Value, error) {
	p := jsonParser{s: s}
	p.skipSpace()
	v, err := p.value(true)
	if err != nil {
		return Null, err
	}
	p.skipSpace()
	if p.i != len(s) {
		return Null, p.fail("text after the JSON value")
	}
	return v, nil
}

// DecodeObject reads a JSON object and stores the members whose keys are in slots into
// row[slot]; the others are checked but not built. Slots of absent members are left as
// they were. A key given twice stores its last value.
func DecodeObject(s string, slots map[string]int, row Row) error {
	p := jsonParser{s: s}
	p.skipSpace()
	if p.i >= len(s) || s[p.i] != '{' {
		if _, err := p.value(false); err != nil {
			return err
		}
		return ErrNotObject
	}
	p.i++
	p.depth = 1
	p.skipSpace()
	if p.i < len(s) && s[p.i] == '}' {
		p.i++
	} else {
		for {
			key, err := p.key()
			if err != nil {
				return err
			}
			slot, want := slots[key]
			v, err := p.value(want)
			if err != nil {
				return err
			}
			if want {
				row[slot] = v
			}
			if done, err := p.next('}'); err != nil || done {
				if err != nil {
					return err
				}
				break
			}
		}
	}
	p.skipSpace()
	if p.i != len(s) {
		return p.fail("text after the JSON value")
	}
	return nil
}

type jsonParser struct {
	s     string
	i     int
	depth int
}

func (p *jsonParser) fail(msg string) error { return &SyntaxError{Offset: p.i, Msg: msg} }

func (p *jsonParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next reads the ',' between members or elements, or the closing bracket (done).
func (p *jsonParser) next(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return false, p.fail("unexpected end")
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		p.skipSpace()
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, p.fail("expected ',' or '" + string(closing) + "'")
}

// key reads a member's key and the ':' after it.
func (p *jsonParser) key() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", p.fail("expected a string key")
	}
	k, err := p.str(true)
	if err != nil {
		return "", err
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", p.fail("expected ':' after a key")
	}
	p.i++
	p.skipSpace()
	return k, nil
}

// value reads a value at p.i; it builds it only when build is set (else returns NULL).
func (p *jsonParser) value(build bool) (Value, error) {
	if p.i >= len(p.s) {
		return Null, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(build)
	case c == '[':
		return p.array(build)
	case c == '"':
		s, err := p.str(build)
		if err != nil || !build {
			return Null, err
		}
		return String(s), nil
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number(build)
	}
	for _, lit := range [...]struct {
		text string
		v    Value
	}{{"true", Bool(true)}, {"false", Bool(false)}, {"null", Null}} {
		if len(p.s)-p.i >= len(lit.text) && p.s[p.i:p.i+len(lit.text)] == lit.text {
			p.i += len(lit.text)
			return lit.v, nil
		}
	}
	return Null, p.fail("expected a value")
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.fail("nested too deeply")
	}
	return nil
}

func (p *jsonParser) object(build bool) (Value, error) {
	if err := p.enter(); err != nil {
		return Null, err
	}
	defer func() { p.depth-- }()
	p.i++
	p.skipSpace()
	var keys []string
	var vals []Value
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
	} else {
		for {
			k, err := p.key()
			if err != nil {
				return Null, err
			}
			v, err := p.value(build)
			if err != nil {
				return Null, err
			}
			if build {
				keys, vals = append(keys, k), append(vals, v)
			}
			if done, err := p.next('}'); err != nil || done {
				if err != nil {
					return Null, err
				}
				break
			}
		}
	}
	if !build {
		return Null, nil
	}
	if keys == nil {
		keys = []string{}
	}
	return Object(keys, vals), nil
}

func (p *jsonParser) array(build bool) (Value, error) {
	if err := p.enter(); err != nil {
		return Null, err
	}
	defer func() { p.depth-- }()
	p.i++
	p.skipSpace()
	var vals []Value
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
	} else {
		for {
			v, err := p.value(build)
			if err != nil {
				return Null, err
			}
			if build {
				vals = append(vals, v)
			}
			if done, err := p.next(']'); err != nil || done {
				if err != nil {
					return Null, err
				}
				break
			}
		}
	}
	if !build {
		return Null, nil
	}
	if vals == nil {
		vals = []Value{}
	}
	return Array(vals), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a JSON number.
func (p *jsonParser) number(build bool) (Value, error) {
	start := p.i
	s := p.s
	if s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(s) && s[p.i] == '0':
		p.i++
	case p.i < len(s) && isDigit(s[p.i]):
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
	default:
		return Null, p.fail("invalid number")
	}
	integer := true
	if p.i < len(s) && s[p.i] == '.' {
		integer = false
		p.i++
		if p.i >= len(s) || !isDigit(s[p.i]) {
			return Null, p.fail("invalid number")
		}
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		integer = false
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		if p.i >= len(s) || !isDigit(s[p.i]) {
			return Null, p.fail("invalid number")
		}
		for p.i < len(s) && isDigit(s[p.i]) {
			p.i++
		}
	}
	text := s[start:p.i]
	if integer {
		if n, ok := parseSmallInt(text); ok {
			return Int(n), nil
		}
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return Int(n), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.i = start
		return Null, p.fail("number " + text + " is out of range")
	}
	if !build {
		return Null, nil
	}
	return Double(f), nil
}

// parseSmallInt converts up to 18 digits (with a sign) without strconv's generality.
func parseSmallInt(text string) (int64, bool) {
	neg := text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if len(digits) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// str reads a JSON string; with build it returns its text (unescaped, invalid UTF-8
// replaced by U+FFFD as encoding/json does).
func (p *jsonParser) str(build bool) (string, error) {
	p.i++
	start := p.i
	s := p.s
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			p.i++
			return s[start : p.i-1], nil
		case c == '\\' || c < 0x20 || c >= 0x80:
			return p.slowStr(start, build)
		}
		p.i++
	}
	return "", p.fail("unterminated string")
}

// slowStr finishes a string that has escapes, control characters or non-ASCII bytes.
func (p *jsonParser) slowStr(start int, build bool) (string, error) {
	s := p.s
	var b []byte
	if build {
		b = append(make([]byte, 0, len(s)-start), s[start:p.i]...)
	}
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			if build {
				b = utf8.AppendRune(b, r)
			}
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[p.i:])
			p.i += size
			if build {
				b = utf8.AppendRune(b, r) // RuneError for an invalid byte, as encoding/json
			}
		default:
			p.i++
			if build {
				b = append(b, c)
			}
		}
	}
	return "", p.fail("unterminated string")
}

// escape reads a backslash escape (p.i at the backslash) and returns its rune.
func (p *jsonParser) escape() (rune, error) {
	s := p.s
	if p.i+1 >= len(s) {
		return 0, p.fail("unterminated string")
	}
	c := s[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return 0, p.fail("invalid \\u escape")
		}
		if utf16.IsSurrogate(r) {
			save := p.i
			if p.i+1 < len(s) && s[p.i] == '\\' && s[p.i+1] == 'u' {
				p.i += 2
				if r2, ok := p.hex4(); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						return dec, nil
					}
				}
			}
			p.i = save
			return utf8.RuneError, nil
		}
		return r, nil
	}
	p.i--
	return 0, p.fail("invalid escape")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	p.i += 4
	return r, true
}
