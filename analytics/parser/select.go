package parser

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

// parseSelect reads a SELECT. continuous is set for the body of a CREATE QUERY, the only
// place EMIT LATE INTO may appear.
func (p *parser) parseSelect(continuous bool) (*ast.Select, error) {
	sel := &ast.Select{At: p.advance().Pos}
	if t := p.tok(); isKeyword(t, "DISTINCT") {
		return nil, p.errorAt(t, "SELECT DISTINCT is not supported: GROUP BY the columns instead")
	}
	items, err := p.parseSelectList()
	if err != nil {
		return nil, err
	}
	sel.Items = items
	if err := p.expectKeyword("FROM", "the select list"); err != nil {
		return nil, err
	}
	if sel.From, err = p.parseFrom(); err != nil {
		return nil, err
	}
	if p.acceptKeyword("WHERE") {
		if sel.Where, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("GROUP") {
		if err := p.expectKeyword("BY", "GROUP"); err != nil {
			return nil, err
		}
		if err := p.parseGroupBy(sel); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("HAVING") {
		if sel.Having, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("ORDER") {
		if err := p.expectKeyword("BY", "ORDER"); err != nil {
			return nil, err
		}
		if sel.OrderBy, err = p.parseOrderBy(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("LIMIT") {
		t := p.tok()
		if t.Kind != lexer.Number {
			return nil, p.expected("a row count", "LIMIT")
		}
		p.advance()
		n, err := p.number(t, false, t.Pos)
		if err != nil {
			return nil, err
		}
		lit, ok := n.(*ast.IntegerLit)
		if !ok {
			return nil, errorAtPos(t.Pos, "LIMIT takes a whole number of rows, found %s", p.describe(t))
		}
		sel.Limit = lit
	}
	for isKeyword(p.tok(), "EMIT") {
		if err := p.parseEmit(sel, continuous); err != nil {
			return nil, err
		}
	}
	return sel, nil
}

// parseSelectList reads the items of a select list.
func (p *parser) parseSelectList() ([]*ast.SelectItem, error) {
	var items []*ast.SelectItem
	for {
		it, err := p.parseSelectItem()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if p.tok().Kind != lexer.Comma {
			return items, nil
		}
		p.advance()
	}
}

// parseSelectItem reads *, t.*, or an expression with an optional alias (AS optional).
func (p *parser) parseSelectItem() (*ast.SelectItem, error) {
	t := p.tok()
	if t.Kind == lexer.Star {
		p.advance()
		return &ast.SelectItem{Expr: &ast.Star{At: t.Pos}}, nil
	}
	if (t.Kind == lexer.Ident || t.Kind == lexer.QuotedIdent) &&
		p.peek(1).Kind == lexer.Dot && p.peek(2).Kind == lexer.Star {
		p.advance()
		p.advance()
		p.advance()
		return &ast.SelectItem{Expr: &ast.Star{At: t.Pos, Table: &ast.Ident{At: t.Pos, Name: t.Text}}}, nil
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	it := &ast.SelectItem{Expr: e}
	if p.acceptKeyword("AS") {
		it.Alias, err = p.name("an alias", "AS")
		return it, err
	}
	if a := p.tok(); a.Kind == lexer.Ident || a.Kind == lexer.QuotedIdent {
		// Two names in a row ("device FORM readings") are a misspelt keyword, not an alias
		// followed by garbage: point at the first.
		if n := p.peek(1); n.Kind == lexer.Ident || n.Kind == lexer.QuotedIdent {
			return nil, p.errorAt(a, "expected FROM after the select list, found %s", p.describe(a))
		}
		p.advance()
		it.Alias = &ast.Ident{At: a.Pos, Name: a.Text}
	}
	return it, nil
}

// parseFrom reads a source and the joins after it.
func (p *parser) parseFrom() (ast.Source, error) {
	left, err := p.parseSourceRef("FROM")
	if err != nil {
		return nil, err
	}
	var src ast.Source = left
	for {
		t := p.tok()
		var kind ast.JoinKind
		switch {
		case isKeyword(t, "JOIN"):
			kind = ast.InnerJoin
		case isKeyword(t, "INNER"):
			p.advance()
			kind = ast.InnerJoin
			if !isKeyword(p.tok(), "JOIN") {
				return nil, p.expected("JOIN", "INNER")
			}
		case isKeyword(t, "LEFT"):
			p.advance()
			kind = ast.LeftJoin
			p.acceptKeyword("OUTER")
			if !isKeyword(p.tok(), "JOIN") {
				return nil, p.expected("JOIN", "LEFT")
			}
		case isKeyword(t, "RIGHT"):
			return nil, p.errorAt(t, "RIGHT JOIN is not supported: swap the two sides and write LEFT JOIN")
		case isKeyword(t, "FULL"), isKeyword(t, "CROSS"), isKeyword(t, "NATURAL"):
			return nil, p.errorAt(t, "%s JOIN is not supported: write JOIN or LEFT JOIN with an ON condition", t.Text)
		case t.Kind == lexer.Comma:
			return nil, p.errorAt(t, "a comma between sources is not supported: write JOIN … ON …")
		default:
			return src, nil
		}
		p.advance() // JOIN
		right, err := p.parseSourceRef("JOIN")
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("ON", "the joined source "+lexer.QuoteIdent(right.Name.Name)); err != nil {
			return nil, err
		}
		on, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		src = &ast.Join{At: t.Pos, Kind: kind, Left: src, Right: right, On: on}
	}
}

// parseSourceRef reads name [[AS] alias] [SINCE 'time'].
func (p *parser) parseSourceRef(after string) (*ast.SourceRef, error) {
	name, err := p.name("a stream or table name", after)
	if err != nil {
		return nil, err
	}
	ref := &ast.SourceRef{At: name.At, Name: name}
	isSince := func(i int) bool { return isWord(p.peek(i), "SINCE") && p.peek(i+1).Kind == lexer.String }
	if p.acceptKeyword("AS") {
		if ref.Alias, err = p.name("an alias", "AS"); err != nil {
			return nil, err
		}
	} else if a := p.tok(); (a.Kind == lexer.Ident || a.Kind == lexer.QuotedIdent) && !isSince(0) {
		// As in the select list, a name after the alias is a misspelt keyword (WHER), unless
		// it starts SINCE '…'.
		if n := p.peek(1); (n.Kind == lexer.Ident || n.Kind == lexer.QuotedIdent) && !isSince(1) ||
			n.Kind == lexer.Number || n.Kind == lexer.String {
			return nil, p.errorAt(a, "expected JOIN, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, EMIT or the end of the statement after %s, found %s",
				lexer.QuoteIdent(name.Name), p.describe(a))
		}
		p.advance()
		ref.Alias = &ast.Ident{At: a.Pos, Name: a.Text}
	}
	if isSince(0) {
		p.advance()
		if ref.Since, err = p.timestampText(p.tok().Pos); err != nil {
			return nil, err
		}
	}
	return ref, nil
}

// parseGroupBy reads the grouping keys and the window among them.
func (p *parser) parseGroupBy(sel *ast.Select) error {
	for {
		t := p.tok()
		if _, ok := windowName(t.Text); ok && t.Kind == lexer.Ident && p.peek(1).Kind == lexer.LParen {
			if sel.Window != nil {
				return p.errorAt(t, "a query has one window; this is a second one")
			}
			w, err := p.parseWindow()
			if err != nil {
				return err
			}
			sel.Window = w
		} else {
			e, err := p.parseExpr()
			if err != nil {
				return err
			}
			sel.GroupBy = append(sel.GroupBy, e)
		}
		if p.tok().Kind != lexer.Comma {
			return nil
		}
		p.advance()
	}
}

// parseOrderBy reads expression [ASC|DESC], ….
func (p *parser) parseOrderBy() ([]*ast.OrderItem, error) {
	var items []*ast.OrderItem
	for {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		it := &ast.OrderItem{Expr: e}
		if p.acceptWord("DESC") {
			it.Desc = true
		} else {
			p.acceptWord("ASC")
		}
		items = append(items, it)
		if p.tok().Kind != lexer.Comma {
			return items, nil
		}
		p.advance()
	}
}

// parseEmit reads one EMIT clause: ON WINDOW CLOSE, ON UPDATE, EVERY INTERVAL …, or
// LATE INTO stream.
func (p *parser) parseEmit(sel *ast.Select, continuous bool) error {
	at := p.advance().Pos
	t := p.tok()
	if isWord(t, "LATE") {
		p.advance()
		if !continuous {
			return p.errorAt(t, "EMIT LATE INTO belongs to CREATE QUERY: an ad-hoc SELECT keeps no late rows")
		}
		if sel.LateInto != nil {
			return p.errorAt(t, "EMIT LATE INTO is given twice")
		}
		if err := p.expectKeyword("INTO", "EMIT LATE"); err != nil {
			return err
		}
		name, err := p.name("the name of the stream late rows go to", "EMIT LATE INTO")
		if err != nil {
			return err
		}
		sel.LateInto = name
		return nil
	}
	if sel.Emit != nil {
		return errorAtPos(at, "a query has one EMIT policy; this is a second one")
	}
	emit := &ast.Emit{At: at}
	switch {
	case p.acceptKeyword("ON"):
		switch {
		case p.acceptWord("WINDOW"):
			if err := p.expectWord("CLOSE", "EMIT ON WINDOW"); err != nil {
				return err
			}
			emit.Policy = ast.EmitOnWindowClose
		case p.acceptWord("UPDATE"):
			emit.Policy = ast.EmitOnUpdate
		default:
			return p.expected("WINDOW CLOSE or UPDATE", "EMIT ON")
		}
	case p.acceptWord("EVERY"):
		if !isKeyword(p.tok(), "INTERVAL") {
			return p.expected("an INTERVAL, as in EMIT EVERY INTERVAL '10' SECOND,", "EMIT EVERY")
		}
		iv, err := p.parseInterval()
		if err != nil {
			return err
		}
		emit.Policy, emit.Every = ast.EmitEvery, iv
	default:
		return p.expected("ON WINDOW CLOSE, ON UPDATE, EVERY INTERVAL … or LATE INTO", "EMIT")
	}
	sel.Emit = emit
	return nil
}
