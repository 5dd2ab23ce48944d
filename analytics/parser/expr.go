package parser

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// parseExpr reads a full expression.
func (p *parser) parseExpr() (ast.Expr, error) {
	return p.parseBinary(ast.PrecOr)
}

// parseBinary reads an expression whose operators all bind at least as tightly as min, by
// precedence climbing over the levels of ast.Prec*: a prefix NOT (when min allows it) or a
// unary operand, then infix operators, each of whose right operands is read one level up,
// which makes them left-associative.
func (p *parser) parseBinary(min int) (ast.Expr, error) {
	saved := p.depth
	defer func() { p.depth = saved }()
	if err := p.enter(); err != nil {
		return nil, err
	}
	var left ast.Expr
	if t := p.tok(); min <= ast.PrecNot && isKeyword(t, "NOT") {
		p.advance()
		x, err := p.parseBinary(ast.PrecNot)
		if err != nil {
			return nil, err
		}
		left = &ast.Unary{At: t.Pos, Op: ast.OpNot, X: x}
	} else {
		var err error
		if left, err = p.parseUnary(); err != nil {
			return nil, err
		}
	}
	for {
		prec := p.infixPrecedence()
		if prec == 0 || prec < min {
			return left, nil
		}
		// A chain a+b+c… nests to the left: each link is one level deeper.
		if err := p.enter(); err != nil {
			return nil, err
		}
		var err error
		if left, err = p.parseInfix(left, prec); err != nil {
			return nil, err
		}
	}
}

// binaryOp maps an operator token to its ast operator.
func binaryOp(t lexer.Token) (ast.BinaryOp, bool) {
	switch t.Kind {
	case lexer.Eq:
		return ast.OpEq, true
	case lexer.Ne:
		return ast.OpNe, true
	case lexer.Lt:
		return ast.OpLt, true
	case lexer.Le:
		return ast.OpLe, true
	case lexer.Gt:
		return ast.OpGt, true
	case lexer.Ge:
		return ast.OpGe, true
	case lexer.Concat:
		return ast.OpConcat, true
	case lexer.Plus:
		return ast.OpAdd, true
	case lexer.Minus:
		return ast.OpSub, true
	case lexer.Star:
		return ast.OpMul, true
	case lexer.Slash:
		return ast.OpDiv, true
	case lexer.Percent:
		return ast.OpMod, true
	case lexer.Keyword:
		switch t.Text {
		case "AND":
			return ast.OpAnd, true
		case "OR":
			return ast.OpOr, true
		}
	}
	return 0, false
}

// infixPrecedence is the precedence of the infix operator at the current token, 0 when
// there is none. NOT counts only before IN, BETWEEN or LIKE.
func (p *parser) infixPrecedence() int {
	t := p.tok()
	if op, ok := binaryOp(t); ok {
		return op.Precedence()
	}
	if t.Kind != lexer.Keyword {
		return 0
	}
	switch t.Text {
	case "IS", "IN", "BETWEEN", "LIKE":
		return ast.PrecCompare
	case "NOT":
		if n := p.peek(1); isKeyword(n, "IN") || isKeyword(n, "BETWEEN") || isKeyword(n, "LIKE") {
			return ast.PrecCompare
		}
	}
	return 0
}

// parseInfix reads the operator at the current token and its right-hand side.
func (p *parser) parseInfix(left ast.Expr, prec int) (ast.Expr, error) {
	t := p.advance()
	if op, ok := binaryOp(t); ok {
		right, err := p.parseBinary(prec + 1)
		if err != nil {
			return nil, err
		}
		return &ast.Binary{At: t.Pos, Op: op, L: left, R: right}, nil
	}
	if t.Text == "IS" {
		not := p.acceptKeyword("NOT")
		if err := p.expectKeyword("NULL", p.describe(p.prev)); err != nil {
			return nil, err
		}
		return &ast.IsNull{At: t.Pos, X: left, Not: not}, nil
	}
	not := t.Text == "NOT"
	if not {
		t = p.advance()
	}
	switch t.Text {
	case "IN":
		list, err := p.parseInList()
		if err != nil {
			return nil, err
		}
		return &ast.In{At: t.Pos, X: left, Not: not, List: list}, nil
	case "BETWEEN":
		lo, err := p.parseBinary(ast.PrecConcat)
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("AND", "the lower bound of BETWEEN"); err != nil {
			return nil, err
		}
		hi, err := p.parseBinary(ast.PrecConcat)
		if err != nil {
			return nil, err
		}
		return &ast.Between{At: t.Pos, X: left, Not: not, Lo: lo, Hi: hi}, nil
	}
	// LIKE
	pattern, err := p.parseBinary(ast.PrecConcat)
	if err != nil {
		return nil, err
	}
	like := &ast.Like{At: t.Pos, X: left, Not: not, Pattern: pattern}
	if p.acceptWord("ESCAPE") {
		if like.Escape, err = p.parseBinary(ast.PrecConcat); err != nil {
			return nil, err
		}
	}
	return like, nil
}

// parseInList reads (e, …) after IN.
func (p *parser) parseInList() ([]ast.Expr, error) {
	if _, err := p.expectKind(lexer.LParen, "IN"); err != nil {
		return nil, err
	}
	if t := p.tok(); isKeyword(t, "SELECT") {
		return nil, p.errorAt(t, "subqueries are not supported; IN takes a list of values")
	}
	var list []ast.Expr
	for {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if p.tok().Kind != lexer.Comma {
			break
		}
		p.advance()
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("',' or ')'", "")
	}
	p.advance()
	return list, nil
}

// isPostfix reports whether t starts a postfix operator: .name, [i] or ::type.
func isPostfix(t lexer.Token) bool {
	return t.Kind == lexer.Dot || t.Kind == lexer.LBracket || t.Kind == lexer.DoubleColon
}

// parseUnary reads a prefix minus and its operand, or a primary with its postfix
// operators. A minus directly before a number (and not before a postfix operator on it)
// makes a negative literal.
func (p *parser) parseUnary() (ast.Expr, error) {
	t := p.tok()
	if t.Kind != lexer.Minus {
		x, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		return p.parsePostfix(x)
	}
	if n := p.peek(1); n.Kind == lexer.Number && !isPostfix(p.peek(2)) {
		p.advance()
		p.advance()
		return p.number(n, true, t.Pos)
	}
	p.advance()
	saved := p.depth
	defer func() { p.depth = saved }()
	if err := p.enter(); err != nil {
		return nil, err
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return &ast.Unary{At: t.Pos, Op: ast.OpNeg, X: x}, nil
}

// parsePostfix applies .name, [index] and ::type to x, left to right.
func (p *parser) parsePostfix(x ast.Expr) (ast.Expr, error) {
	saved := p.depth
	defer func() { p.depth = saved }()
	for {
		t := p.tok()
		if !isPostfix(t) {
			return x, nil
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		p.advance()
		switch t.Kind {
		case lexer.Dot:
			name, err := p.name("a field name", "'.'")
			if err != nil {
				return nil, err
			}
			x = &ast.Dot{At: t.Pos, X: x, Name: name}
		case lexer.LBracket:
			i, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectKind(lexer.RBracket, "the index"); err != nil {
				return nil, err
			}
			x = &ast.Index{At: t.Pos, X: x, Index: i}
		default:
			typ, err := p.parseType("'::'")
			if err != nil {
				return nil, err
			}
			x = &ast.Cast{At: t.Pos, X: x, Type: typ}
		}
	}
}
