package lexer

import (
	"fmt"
	"strings"
)

// Pos is a place in SQL text, relative to the text handed to the lexer: for a statement
// embedded in a YAML file the config layer adds the position of the YAML value.
type Pos struct {
	Offset int // bytes from the start of the text
	Line   int // 1-based
	Column int // 1-based, counted in characters (runes) from the start of the line
}

// String formats the position as "line:column".
func (p Pos) String() string {
	return fmt.Sprintf("%d:%d", p.Line, p.Column)
}

// Excerpt renders the line of src that holds p and, under it, a caret at p's column, for a
// terminal or an API answer to show under an error message:
//
//	SELECT device FORM readings
//	              ^
//
// Tabs before the spot are kept in the caret line so that the caret lines up. p must come
// from src (an offset past the end is taken as the end).
func (p Pos) Excerpt(src string) string {
	off := min(max(p.Offset, 0), len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	line := strings.TrimSuffix(src[start:end], "\r")
	var caret strings.Builder
	for _, r := range src[start:off] {
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	return line + "\n" + caret.String()
}
