package parser

import (
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
)

func (p *parser) parseStatement() (ast.Statement, error) {
	t := p.tok()
	switch {
	case isKeyword(t, "SELECT"):
		return p.parseSelect(false)
	case isKeyword(t, "CREATE"):
		p.advance()
		switch {
		case p.acceptWord("STREAM"):
			name, cols, opts, err := p.parseSourceDef("STREAM")
			if err != nil {
				return nil, err
			}
			return &ast.CreateStream{At: t.Pos, Name: name, Columns: cols, Options: opts}, nil
		case p.acceptWord("TABLE"):
			name, cols, opts, err := p.parseSourceDef("TABLE")
			if err != nil {
				return nil, err
			}
			return &ast.CreateTable{At: t.Pos, Name: name, Columns: cols, Options: opts}, nil
		case p.acceptWord("QUERY"):
			return p.parseCreateQuery(t.Pos)
		}
		return nil, p.expected("STREAM, TABLE or QUERY", "CREATE")
	case isKeyword(t, "DROP"):
		p.advance()
		var kind ast.ObjectKind
		switch {
		case p.acceptWord("STREAM"):
			kind = ast.StreamObject
		case p.acceptWord("TABLE"):
			kind = ast.TableObject
		case p.acceptWord("QUERY"):
			kind = ast.QueryObject
		default:
			return nil, p.expected("STREAM, TABLE or QUERY", "DROP")
		}
		name, err := p.name("a name", "DROP "+kind.String())
		if err != nil {
			return nil, err
		}
		return &ast.Drop{At: t.Pos, Object: kind, Name: name}, nil
	case isKeyword(t, "INSERT"):
		return nil, p.errorAt(t, "INSERT INTO … SELECT runs continuously, as a named query: write CREATE QUERY name AS INSERT INTO …")
	}
	return nil, p.expected("a statement (SELECT, CREATE STREAM, CREATE TABLE, CREATE QUERY or DROP)", "")
}

// endStatement consumes the ';' after a statement, if any; anything else but the end of
// the input is an error.
func (p *parser) endStatement() error {
	switch t := p.tok(); t.Kind {
	case lexer.Semicolon:
		p.advance()
		return nil
	case lexer.EOF:
		return nil
	}
	if t := p.tok(); isKeyword(t, "UNION") {
		return p.errorAt(t, "UNION is not supported: write one query per input")
	}
	return p.expected("';' or the end of the input", "the statement")
}

// parseSourceDef reads what follows CREATE STREAM and CREATE TABLE:
// name [(column type, …)] [WITH (name = value, …)].
func (p *parser) parseSourceDef(kind string) (*ast.Ident, []*ast.ColumnDef, []*ast.Option, error) {
	name, err := p.name("a "+strings.ToLower(kind)+" name", "CREATE "+kind)
	if err != nil {
		return nil, nil, nil, err
	}
	var cols []*ast.ColumnDef
	if p.tok().Kind == lexer.LParen {
		if cols, err = p.parseColumns(); err != nil {
			return nil, nil, nil, err
		}
	}
	var opts []*ast.Option
	if p.acceptKeyword("WITH") {
		if opts, err = p.parseOptions(); err != nil {
			return nil, nil, nil, err
		}
	}
	return name, cols, opts, nil
}

// parseColumns reads (name type, …).
func (p *parser) parseColumns() ([]*ast.ColumnDef, error) {
	p.advance()
	var cols []*ast.ColumnDef
	seen := map[string]bool{}
	for {
		after := "'('"
		if len(cols) > 0 {
			after = "','"
		}
		name, err := p.name("a column name", after)
		if err != nil {
			return nil, err
		}
		if seen[name.Name] {
			return nil, errorAtPos(name.At, "column %s is declared twice", lexer.QuoteIdent(name.Name))
		}
		seen[name.Name] = true
		typ, err := p.parseType("column " + lexer.QuoteIdent(name.Name))
		if err != nil {
			return nil, err
		}
		cols = append(cols, &ast.ColumnDef{Name: name, Type: typ})
		if p.tok().Kind != lexer.Comma {
			break
		}
		p.advance()
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("',' or ')'", "column "+lexer.QuoteIdent(cols[len(cols)-1].Name.Name))
	}
	p.advance()
	return cols, nil
}

// parseType reads a type name.
func (p *parser) parseType(after string) (ast.Type, error) {
	t := p.tok()
	if t.Kind == lexer.Ident {
		if typ, ok := ast.TypeByName(t.Text); ok {
			p.advance()
			return typ, nil
		}
	}
	return 0, p.expected("a type (STRING, DOUBLE, BIGINT, BOOLEAN, TIMESTAMP or JSON)", after)
}

// parseOptions reads (name = value, …) after WITH.
func (p *parser) parseOptions() ([]*ast.Option, error) {
	if _, err := p.expectKind(lexer.LParen, "WITH"); err != nil {
		return nil, err
	}
	var opts []*ast.Option
	seen := map[string]bool{}
	for {
		after := "'('"
		if len(opts) > 0 {
			after = "','"
		}
		name, err := p.name("an option name", after)
		if err != nil {
			return nil, err
		}
		name.Name = strings.ToLower(name.Name)
		if seen[name.Name] {
			return nil, errorAtPos(name.At, "option %s is given twice", name.Name)
		}
		seen[name.Name] = true
		if _, err := p.expectKind(lexer.Eq, "the option name "+name.Name); err != nil {
			return nil, err
		}
		value, err := p.parseOptionValue(name.Name)
		if err != nil {
			return nil, err
		}
		opts = append(opts, &ast.Option{Name: name, Value: value})
		if p.tok().Kind != lexer.Comma {
			break
		}
		p.advance()
	}
	if p.tok().Kind != lexer.RParen {
		return nil, p.expected("',' or ')'", "the value of option "+opts[len(opts)-1].Name.Name)
	}
	p.advance()
	return opts, nil
}

// parseOptionValue reads the literal value of an option.
func (p *parser) parseOptionValue(name string) (ast.Expr, error) {
	t := p.tok()
	e, err := p.parseUnary()
	if err == nil {
		switch e.(type) {
		case *ast.StringLit, *ast.IntegerLit, *ast.FloatLit, *ast.BoolLit, *ast.Interval, *ast.TimestampLit:
			return e, nil
		}
	}
	hint := ""
	if t.Kind == lexer.QuotedIdent {
		hint = " (strings take single quotes: " + lexer.QuoteString(t.Text) + ")"
	}
	return nil, p.errorAt(t, "expected a value (a string, a number, TRUE, FALSE or an INTERVAL) for option %s, found %s%s",
		name, p.describe(t), hint)
}

// parseCreateQuery reads what follows CREATE QUERY: name AS INSERT INTO stream SELECT ….
func (p *parser) parseCreateQuery(at lexer.Pos) (*ast.CreateQuery, error) {
	name, err := p.name("a query name", "CREATE QUERY")
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("AS", "the query name"); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("INSERT", "AS"); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("INTO", "INSERT"); err != nil {
		return nil, err
	}
	into, err := p.name("the name of the stream the results go to", "INSERT INTO")
	if err != nil {
		return nil, err
	}
	if !isKeyword(p.tok(), "SELECT") {
		return nil, p.expected("SELECT", "INSERT INTO "+lexer.QuoteIdent(into.Name))
	}
	sel, err := p.parseSelect(true)
	if err != nil {
		return nil, err
	}
	return &ast.CreateQuery{At: at, Name: name, Into: into, Select: sel}, nil
}
