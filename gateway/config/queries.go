package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/query"
)

// QuerySpec is one entry of `queries:`: SQL statements — CREATE STREAM and CREATE TABLE
// declarations, CREATE QUERY continuous queries — run in order, each entry seeing the
// declarations of those before it (see docs/sql.md).
type QuerySpec struct {
	SQL string `yaml:"sql"`
}

// Scripts are the entries' SQL, in order.
func (c *Config) Scripts() []string {
	out := make([]string, len(c.Queries))
	for i, q := range c.Queries {
		out[i] = q.SQL
	}
	return out
}

// sqlOrigin is where an entry's SQL text starts in the file, so that a position in the
// SQL can be given as one in the file: a literal block (`|`) starts on the line after its
// indicator, at its indentation; a single-line scalar where it stands, after its quote.
type sqlOrigin struct {
	line, column int  // the SQL's first character
	block        bool // a literal block: SQL line n is file line line+n-1, at column
	exact        bool // positions map exactly (else the value's position is given)
}

// indexSQL records where each `queries[i].sql` value starts, from the document and the
// file's lines.
func (o *origins) indexSQL(body ast.Node, data []byte) {
	m, ok := body.(*ast.MappingNode)
	if !ok {
		return
	}
	lines := strings.Split(string(data), "\n")
	for _, kv := range m.Values {
		if kv.Key.GetToken() == nil || kv.Key.GetToken().Value != "queries" {
			continue
		}
		seq, ok := kv.Value.(*ast.SequenceNode)
		if !ok {
			return
		}
		for _, item := range seq.Values {
			entry, ok := item.(*ast.MappingNode)
			if !ok {
				continue
			}
			for _, f := range entry.Values {
				if f.Key.GetToken() == nil || f.Key.GetToken().Value != "sql" || f.Value == nil || f.Value.GetToken() == nil {
					continue
				}
				o.sqlAt[nodePath(f.Value)] = sqlStart(f.Value, lines)
			}
		}
	}
}

func sqlStart(n ast.Node, lines []string) sqlOrigin {
	tk := n.GetToken()
	at := sqlOrigin{line: tk.Position.Line, column: tk.Position.Column}
	switch v := n.(type) {
	case *ast.LiteralNode:
		if !strings.HasPrefix(tk.Value, "|") || tk.Position.Line >= len(lines) {
			return at
		}
		first := tk.Position.Line // 0-based index of the next line
		for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
			first++
		}
		if first == len(lines) {
			return at
		}
		indent := len(lines[first]) - len(strings.TrimLeft(lines[first], " "))
		return sqlOrigin{line: tk.Position.Line + 1, column: indent + 1, block: true, exact: true}
	case *ast.StringNode:
		if strings.Contains(v.Value, "\n") {
			return at
		}
		switch tk.Type {
		case token.SingleQuoteType, token.DoubleQuoteType:
			at.column++
			at.exact = !strings.ContainsAny(v.Value, `'"\`) // escapes shift columns
		default:
			at.exact = true
		}
	}
	return at
}

// sqlError locates an error of an entry's SQL: at its spot in the file when it can be
// known, else at the value; the message keeps the SQL's own line and column.
func (o *origins) sqlError(path string, err error) *Error {
	var pos struct{ line, column int }
	var pe *parser.Error
	var le *plan.Error
	switch {
	case errors.As(err, &pe):
		pos.line, pos.column = pe.Pos.Line, pe.Pos.Column
	case errors.As(err, &le):
		pos.line, pos.column = le.Pos.Line, le.Pos.Column
	}
	e := o.errorf(path, "%s", err.Error())
	if o == nil {
		return e
	}
	at, ok := o.sqlAt[path]
	if !ok || !at.exact || pos.line == 0 || e.Env != "" {
		return e
	}
	if at.block {
		e.Line, e.Column = at.line+pos.line-1, at.column+pos.column-1
	} else if pos.line == 1 {
		e.Line, e.Column = at.line, at.column+pos.column-1
	}
	return e
}

func (c *Config) validateQueries(p *problems) {
	for i, q := range c.Queries {
		if strings.TrimSpace(q.SQL) == "" {
			p.add(fmt.Sprintf("queries[%d].sql", i), "must hold SQL statements (CREATE STREAM, CREATE TABLE, CREATE QUERY)")
		}
	}
	for i, err := range query.Check(plan.Limits{}, c.Scripts()) {
		path := fmt.Sprintf("queries[%d].sql", i)
		p.errs = append(p.errs, c.origins.sqlError(path, err))
	}
}
