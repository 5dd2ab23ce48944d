package parser

import (
	"strconv"
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// parsePrimary reads an operand: a literal, a name, a call, CASE, CAST, INTERVAL,
// TIMESTAMP '…' or a parenthesized expression.
func (p *parser) parsePrimary() (ast.Expr, error) {
	t := p.tok()
	switch t.Kind {
	case lexer.Number:
		p.advance()
		return p.number(t, false, t.Pos)
	case lexer.String:
		p.advance()
		return &ast.StringLit{At: t.Pos, Value: t.Text}, nil
	case lexer.LParen:
		return p.parseParen()
	case lexer.Ident, lexer.QuotedIdent:
		if t.Kind == lexer.Ident && isWord(t, "TIMESTAMP") && p.peek(1).Kind == lexer.String {
			return p.parseTimestamp()
		}
		if p.peek(1).Kind == lexer.LParen {
			return p.parseCall()
		}
		p.advance()
		return &ast.Ident{At: t.Pos, Name: t.Text}, nil
	case lexer.Keyword:
		switch t.Text {
		case "TRUE", "FALSE":
			p.advance()
			return &ast.BoolLit{At: t.Pos, Value: t.Text == "TRUE"}, nil
		case "NULL":
			p.advance()
			return &ast.NullLit{At: t.Pos}, nil
		case "INTERVAL":
			return p.parseInterval()
		case "CASE":
			return p.parseCase()
		case "CAST":
			return p.parseCast()
		}
	}
	return nil, p.expected("an expression", "")
}

// number converts a number token, negated when neg (the minus sign at at).
func (p *parser) number(t lexer.Token, neg bool, at lexer.Pos) (ast.Expr, error) {
	text := t.Text
	if neg {
		text = "-" + text
	}
	if strings.ContainsAny(text, ".eE") {
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, errorAtPos(at, "number %s is out of range for a DOUBLE", text)
		}
		return &ast.FloatLit{At: at, Value: v}, nil
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, errorAtPos(at, "integer %s is out of range for a BIGINT (write %s.0 for a DOUBLE)", text, text)
	}
	return &ast.IntegerLit{At: at, Value: v}, nil
}

// parseParen reads ( expression ).
func (p *parser) parseParen() (ast.Expr, error) {
	p.advance()
	if t := p.tok(); isKeyword(t, "SELECT") {
		return nil, p.errorAt(t, "subqueries are not supported")
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("')'", "")
	}
	p.advance()
	return e, nil
}

// windowName maps the name of a window function, as written in GROUP BY, to its canonical
// spelling.
func windowName(name string) (string, bool) {
	switch upper := strings.ToUpper(name); upper {
	case "TUMBLE", "TUMBLING":
		return "TUMBLE", true
	case "HOP", "HOPPING":
		return "HOP", true
	case "SLIDE", "SLIDING":
		return "SLIDE", true
	case "SESSION", "COUNTWINDOW":
		return upper, true
	}
	return "", false
}

// parseCall reads name( [DISTINCT] args… ) or name(*).
func (p *parser) parseCall() (ast.Expr, error) {
	t := p.advance()
	call := &ast.Call{At: t.Pos, Name: strings.ToUpper(t.Text)}
	if w, ok := windowName(t.Text); ok {
		return nil, p.errorAt(t, "%s is a window: it goes in GROUP BY, as in GROUP BY device, %s", w, windowExample(w))
	}
	p.advance() // (
	switch {
	case p.tok().Kind == lexer.RParen:
	case p.tok().Kind == lexer.Star && p.peek(1).Kind == lexer.RParen:
		p.advance()
		call.Star = true
	default:
		call.Distinct = p.acceptKeyword("DISTINCT")
		for {
			arg, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, arg)
			if p.tok().Kind != lexer.Comma {
				break
			}
			p.advance()
		}
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("',' or ')'", "")
	}
	p.advance()
	return call, nil
}

// parseCase reads CASE [operand] WHEN … THEN … [ELSE …] END.
func (p *parser) parseCase() (ast.Expr, error) {
	c := &ast.Case{At: p.advance().Pos}
	if !isKeyword(p.tok(), "WHEN") {
		operand, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Operand = operand
		if !isKeyword(p.tok(), "WHEN") {
			return nil, p.expected("WHEN", "the operand of CASE")
		}
	}
	for isKeyword(p.tok(), "WHEN") {
		at := p.advance().Pos
		cond, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("THEN", "the condition of WHEN"); err != nil {
			return nil, err
		}
		result, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, &ast.When{At: at, Cond: cond, Result: result})
	}
	if p.acceptKeyword("ELSE") {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Else = e
	}
	if err := p.expectKeyword("END", "the last branch of CASE"); err != nil {
		return nil, err
	}
	return c, nil
}

// parseCast reads CAST(expression AS type).
func (p *parser) parseCast() (ast.Expr, error) {
	at := p.advance().Pos
	if _, err := p.expectKind(lexer.LParen, "CAST"); err != nil {
		return nil, err
	}
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("AS", "the value of CAST"); err != nil {
		return nil, err
	}
	typ, err := p.parseType("AS")
	if err != nil {
		return nil, err
	}
	if _, err := p.expectKind(lexer.RParen, "the type of CAST"); err != nil {
		return nil, err
	}
	return &ast.Cast{At: at, X: x, Type: typ}, nil
}

// parseInterval reads INTERVAL 'quantity' UNIT or INTERVAL 'shorthand'.
func (p *parser) parseInterval() (*ast.Interval, error) {
	at := p.advance().Pos
	s := p.tok()
	if s.Kind != lexer.String {
		return nil, p.expected("a quoted length, as in INTERVAL '5' SECOND or INTERVAL '1h30m',", "INTERVAL")
	}
	p.advance()
	iv := &ast.Interval{At: at, Text: s.Text}
	if u := p.tok(); u.Kind == lexer.Ident {
		if unit, ok := ast.UnitByName(u.Text); ok {
			p.advance()
			iv.Unit = unit
		}
	}
	d, err := ast.ParseInterval(iv.Text, iv.Unit)
	if err != nil {
		return nil, errorAtPos(s.Pos, "%v", err)
	}
	iv.Duration = d
	return iv, nil
}

// parseTimestamp reads TIMESTAMP 'text'.
func (p *parser) parseTimestamp() (*ast.TimestampLit, error) {
	at := p.advance().Pos
	return p.timestampText(at)
}

// timestampText reads the string of a TIMESTAMP literal or of SINCE, and checks it.
func (p *parser) timestampText(at lexer.Pos) (*ast.TimestampLit, error) {
	s := p.advance()
	if _, err := ast.ParseTimestamp(s.Text); err != nil {
		return nil, errorAtPos(s.Pos, "%v", err)
	}
	return &ast.TimestampLit{At: at, Text: s.Text}, nil
}
