package parser

import (
	"fmt"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// Error is a syntax error: what was expected and what was found, at the position of the
// offending token. Every error the parser returns is an *Error.
//
// Pos is relative to the text handed to the parser. For a statement embedded in a YAML file
// the config layer adds the position of the YAML value; the CLI and the REST API print
// Msg, the position and Pos.Excerpt(src), the line with a caret under the spot.
type Error struct {
	Pos lexer.Pos
	Msg string
}

// Error formats the problem as "line L, column C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}
