package object

import (
	"fmt"
	"strconv"
	"time"
)

// timeToken is one piece of a !{timestamp:...} pattern: literal text, or a
// run of one pattern letter.
type timeToken struct {
	lit    string
	letter byte
	count  int
}

// timePattern is a parsed Java DateTimeFormatter pattern, the subset that
// makes sense in an object name: years, months, days, hours, minutes,
// seconds and fractions, and literal text.
type timePattern []timeToken

// parseTimePattern reads a pattern as java.time.format.DateTimeFormatter
// does: every ASCII letter is a pattern letter, text in single quotes is
// literal (two quotes in a row are one quote), the reserved characters
// [ ] { } # are refused, anything else is literal.
func parseTimePattern(s string) (timePattern, error) {
	if s == "" {
		return nil, fmt.Errorf("empty pattern")
	}
	var p timePattern
	lit := func(text string) {
		if n := len(p); n > 0 && p[n-1].letter == 0 {
			p[n-1].lit += text
			return
		}
		p = append(p, timeToken{lit: text})
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isLetter(c):
			j := i
			for j < len(s) && s[j] == c {
				j++
			}
			tok := timeToken{letter: c, count: j - i}
			if err := checkLetter(tok); err != nil {
				return nil, err
			}
			p = append(p, tok)
			i = j
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				lit("'")
				i += 2
				continue
			}
			var text []byte
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] != '\'' {
					text = append(text, s[j])
					continue
				}
				if j+1 < len(s) && s[j+1] == '\'' {
					text = append(text, '\'')
					j++
					continue
				}
				break
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unclosed quote at offset %d", i)
			}
			lit(string(text))
			i = j + 1
		case c == '[' || c == ']' || c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("reserved character %q at offset %d", c, i)
		default:
			lit(string(c))
			i++
		}
	}
	return p, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// checkLetter refuses what Java refuses (too many letters) and what we do
// not render.
func checkLetter(t timeToken) error {
	max := 0
	switch t.letter {
	case 'y', 'u':
		max = 9
	case 'M':
		max = 5
	case 'd', 'H', 'm', 's':
		max = 2
	case 'S':
		max = 9
	default:
		return fmt.Errorf("pattern letter %q is not supported (use y, u, M, d, H, m, s, S, or quote literal text)", t.letter)
	}
	if t.count > max {
		return fmt.Errorf("too many pattern letters: %d %q", t.count, t.letter)
	}
	return nil
}

// appendTime renders t (already in the zone wanted) by the pattern.
func (p timePattern) appendTime(dst []byte, t time.Time) []byte {
	for _, tok := range p {
		switch tok.letter {
		case 0:
			dst = append(dst, tok.lit...)
		case 'y', 'u':
			if tok.count == 2 {
				dst = appendPadded(dst, t.Year()%100, 2)
			} else {
				dst = appendPadded(dst, t.Year(), tok.count)
			}
		case 'M':
			switch tok.count {
			case 1, 2:
				dst = appendPadded(dst, int(t.Month()), tok.count)
			case 3:
				dst = append(dst, t.Month().String()[:3]...)
			case 4:
				dst = append(dst, t.Month().String()...)
			default:
				dst = append(dst, t.Month().String()[0])
			}
		case 'd':
			dst = appendPadded(dst, t.Day(), tok.count)
		case 'H':
			dst = appendPadded(dst, t.Hour(), tok.count)
		case 'm':
			dst = appendPadded(dst, t.Minute(), tok.count)
		case 's':
			dst = appendPadded(dst, t.Second(), tok.count)
		case 'S':
			// A fraction of a second: the first count digits of the
			// nanoseconds.
			ns := appendPadded(nil, t.Nanosecond(), 9)
			dst = append(dst, ns[:tok.count]...)
		}
	}
	return dst
}

// appendPadded writes n in decimal, zero-padded to width digits.
func appendPadded(dst []byte, n, width int) []byte {
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}
