package plan

import (
	"errors"
	"fmt"

	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// Error is a statement the planner refuses: what is wrong, at the position of the node at
// fault. Every error the planner returns is an *Error; it has the shape of parser.Error,
// so that callers show both alike.
type Error struct {
	Pos lexer.Pos
	Msg string
}

// Error formats the problem as "line L, column C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Render is the message followed by the line of src it points at, with a caret under the
// spot, as the CLI and the REST API show it.
func (e *Error) Render(src string) string {
	return e.Error() + "\n" + e.Pos.Excerpt(src)
}

func errorf(at lexer.Pos, format string, args ...any) *Error {
	return &Error{Pos: at, Msg: fmt.Sprintf(format, args...)}
}

// located turns an error of the expression compiler into an *Error; others pass through.
func located(err error) error {
	var ee *eval.Error
	if errors.As(err, &ee) {
		return &Error{Pos: ee.Pos, Msg: ee.Msg}
	}
	return err
}
