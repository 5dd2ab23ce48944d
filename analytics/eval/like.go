package eval

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// likeMatcher is a compiled LIKE pattern: literal segments separated by % (any run) with _
// (any one character) inside segments. Matching is case-sensitive and by character.
type likeMatcher struct {
	// Fast forms: exact, prefix%, %suffix, %contains%.
	kind  int
	lit   string
	parts [][]rune // general form: segments between %; -1 in a segment is _
}

const (
	likeGeneral = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
)

// compileLike compiles pattern with escape character escape (-1: none).
func compileLike(pattern string, escape rune) (*likeMatcher, error) {
	var parts [][]rune
	cur := []rune{}
	wild := false // a _ appears
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == escape:
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("LIKE pattern '%s' ends with its escape character", pattern)
			}
			i++
			cur = append(cur, rs[i])
		case r == '%':
			parts = append(parts, cur)
			cur = []rune{}
		case r == '_':
			cur = append(cur, -1)
			wild = true
		default:
			cur = append(cur, r)
		}
	}
	parts = append(parts, cur)
	m := &likeMatcher{parts: parts}
	if !wild {
		switch {
		case len(parts) == 1:
			m.kind, m.lit = likeExact, string(parts[0])
		case len(parts) == 2 && len(parts[1]) == 0:
			m.kind, m.lit = likePrefix, string(parts[0])
		case len(parts) == 2 && len(parts[0]) == 0:
			m.kind, m.lit = likeSuffix, string(parts[1])
		case len(parts) == 3 && len(parts[0]) == 0 && len(parts[2]) == 0:
			m.kind, m.lit = likeContains, string(parts[1])
		}
	}
	return m, nil
}

func (m *likeMatcher) match(s string) bool {
	switch m.kind {
	case likeExact:
		return s == m.lit
	case likePrefix:
		return strings.HasPrefix(s, m.lit)
	case likeSuffix:
		return strings.HasSuffix(s, m.lit)
	case likeContains:
		return strings.Contains(s, m.lit)
	}
	return m.general(s)
}

// general matches segment by segment, each at its first possible place (greedy-free: the
// leftmost match of a segment never hurts the ones after it).
func (m *likeMatcher) general(s string) bool {
	text := []rune(s)
	if !utf8.ValidString(s) {
		text = []rune(strings.ToValidUTF8(s, "\uFFFD"))
	}
	parts := m.parts
	if len(parts) == 1 {
		return len(text) == len(parts[0]) && segmentAt(text, 0, parts[0])
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(text) < len(first)+len(last) || !segmentAt(text, 0, first) || !segmentAt(text, len(text)-len(last), last) {
		return false
	}
	pos := len(first)
	end := len(text) - len(last)
	for _, seg := range parts[1 : len(parts)-1] {
		found := false
		for i := pos; i+len(seg) <= end; i++ {
			if segmentAt(text, i, seg) {
				pos, found = i+len(seg), true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// segmentAt reports whether seg (with -1 for _) matches text at i.
func segmentAt(text []rune, i int, seg []rune) bool {
	if i < 0 || i+len(seg) > len(text) {
		return false
	}
	for j, r := range seg {
		if r != -1 && text[i+j] != r {
			return false
		}
	}
	return true
}
