package parser

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// windowArg is one argument of a window function: an expression, or ROWS n.
type windowArg struct {
	at   lexer.Pos
	expr ast.Expr
	rows *ast.IntegerLit
}

// windowUsage is the signature of each window, for errors.
func windowUsage(name string) string {
	switch name {
	case "TUMBLE":
		return "TUMBLE([time,] size)"
	case "HOP":
		return "HOP([time,] size, slide)"
	case "SLIDE":
		return "SLIDE([time,] range) or SLIDE([time,] ROWS n)"
	case "SESSION":
		return "SESSION([time,] gap[, max length])"
	}
	return "COUNTWINDOW(rows[, slide rows])"
}

// windowExample is a window written out, for errors.
func windowExample(name string) string {
	switch name {
	case "TUMBLE":
		return "TUMBLE(ts, INTERVAL '1' MINUTE)"
	case "HOP":
		return "HOP(ts, INTERVAL '5' MINUTE, INTERVAL '1' MINUTE)"
	case "SLIDE":
		return "SLIDE(ts, INTERVAL '10' MINUTE)"
	case "SESSION":
		return "SESSION(ts, INTERVAL '30' SECOND)"
	}
	return "COUNTWINDOW(100)"
}

// parseWindow reads a window function of GROUP BY. Its arguments are an optional time
// expression first, then literal sizes: intervals (or ROWS n for SLIDE) or, for
// COUNTWINDOW, row counts. A first argument that is an INTERVAL (or ROWS n) means no time
// expression was given.
func (p *parser) parseWindow() (ast.Window, error) {
	nameTok := p.advance()
	name, _ := windowName(nameTok.Text)
	p.advance() // (
	var args []windowArg
	for {
		a, err := p.parseWindowArg(name)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.tok().Kind != lexer.Comma {
			break
		}
		p.advance()
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("',' or ')'", "")
	}
	p.advance()

	at := nameTok.Pos
	var time ast.Expr
	if name != "COUNTWINDOW" && args[0].rows == nil {
		if _, isSize := args[0].expr.(*ast.Interval); !isSize {
			time, args = args[0].expr, args[1:]
		}
	}
	if name == "COUNTWINDOW" {
		if len(args) > 2 {
			return nil, wrongWindow(at, name)
		}
		w := &ast.CountWindow{At: at, Size: args[0].rows}
		if len(args) == 2 {
			w.Slide = args[1].rows
		}
		return w, nil
	}
	if name == "SLIDE" && len(args) == 1 && args[0].rows != nil {
		return &ast.SlideWindow{At: at, Time: time, Rows: args[0].rows}, nil
	}
	sizes, err := windowSizes(at, name, args)
	if err != nil {
		return nil, err
	}
	switch name {
	case "TUMBLE":
		return &ast.TumbleWindow{At: at, Time: time, Size: sizes[0]}, nil
	case "HOP":
		return &ast.HopWindow{At: at, Time: time, Size: sizes[0], Slide: sizes[1]}, nil
	case "SLIDE":
		return &ast.SlideWindow{At: at, Time: time, Range: sizes[0]}, nil
	}
	w := &ast.SessionWindow{At: at, Time: time, Gap: sizes[0]}
	if len(sizes) == 2 {
		w.MaxLength = sizes[1]
	}
	return w, nil
}

func wrongWindow(at lexer.Pos, name string) error {
	return errorAtPos(at, "wrong arguments for %s: it takes %s, as in %s", name, windowUsage(name), windowExample(name))
}

// windowSizes checks the arguments after the time expression of TUMBLE, HOP, SLIDE or
// SESSION: their number, and that each is an INTERVAL literal. Window sizes are constants,
// so that the planner can bound the query's state when it is created.
func windowSizes(at lexer.Pos, name string, args []windowArg) ([]*ast.Interval, error) {
	roles := map[string][]string{
		"TUMBLE":  {"the size of TUMBLE"},
		"HOP":     {"the size of HOP", "the slide of HOP"},
		"SLIDE":   {"the range of SLIDE (or ROWS n)"},
		"SESSION": {"the gap of SESSION", "the maximum length of SESSION"},
	}[name]
	required := len(roles)
	if name == "SESSION" {
		required = 1
	}
	if len(args) < required || len(args) > len(roles) {
		return nil, wrongWindow(at, name)
	}
	sizes := make([]*ast.Interval, len(args))
	for i, a := range args {
		iv, ok := a.expr.(*ast.Interval)
		if !ok {
			return nil, errorAtPos(a.at, "%s must be an INTERVAL literal, as in INTERVAL '1' MINUTE", roles[i])
		}
		sizes[i] = iv
	}
	return sizes, nil
}

// parseWindowArg reads one argument of a window: ROWS n, a row count (COUNTWINDOW), or an
// expression.
func (p *parser) parseWindowArg(name string) (windowArg, error) {
	t := p.tok()
	switch {
	case name == "COUNTWINDOW":
		n, err := p.rowCount("a row count, as in COUNTWINDOW(100) or COUNTWINDOW(100, 10),")
		return windowArg{at: t.Pos, rows: n}, err
	case isWord(t, "ROWS") && p.peek(1).Kind == lexer.Number:
		p.advance()
		n, err := p.rowCount("a row count")
		return windowArg{at: t.Pos, rows: n}, err
	}
	e, err := p.parseExpr()
	return windowArg{at: t.Pos, expr: e}, err
}

// rowCount reads a whole number of rows.
func (p *parser) rowCount(what string) (*ast.IntegerLit, error) {
	t := p.tok()
	if t.Kind != lexer.Number {
		return nil, p.expected(what, "")
	}
	p.advance()
	n, err := p.number(t, false, t.Pos)
	if err != nil {
		return nil, err
	}
	lit, ok := n.(*ast.IntegerLit)
	if !ok {
		return nil, errorAtPos(t.Pos, "a row count is a whole number, found %s", p.describe(t))
	}
	return lit, nil
}
