package eval

import (
	"fmt"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// Error is a compile-time error in an expression: what is wrong, at the position of the
// node at fault. It has the shape of parser.Error.
type Error struct {
	Pos lexer.Pos
	Msg string
}

// Error formats the problem as "line L, column C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Errorf builds an *Error at pos.
func Errorf(pos lexer.Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
