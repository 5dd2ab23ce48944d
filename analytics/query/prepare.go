package query

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/schema"
)

// Prepared is a script checked and planned, in order, but not applied: what a request or
// a configuration file asks for, refused whole if one statement is wrong. Errors carry
// the line and column in the script (a *parser.Error or a *plan.Error).
type Prepared struct {
	Decls   []*Declaration
	Queries []*Definition
	Drops   []*plan.Drop
	// Select is a trailing ad-hoc SELECT, planned over history (or, for a follow, as a
	// continuous query); nil when the script has none.
	Select *plan.Query
}

// Prepare parses and plans a script over the manager's catalog: CREATE STREAM and CREATE
// TABLE declare (for the statements after them too), CREATE QUERY defines, DROP names what
// to remove, and a SELECT, which must come last, is an ad-hoc query (over history, or
// continuous when follow is set).
func (m *Manager) Prepare(script, origin string, follow bool) (*Prepared, error) {
	stmts, err := parser.Parse(script)
	if err != nil {
		return nil, err
	}
	return prepare(m.cat, m.Limits, stmts, origin, follow)
}

// overlay is a catalog with the declarations of a script being prepared over another.
type overlay struct {
	base  schema.Catalog
	added map[string]*schema.Source
}

func (o *overlay) Lookup(name string) (*schema.Source, bool) {
	if s, ok := o.added[name]; ok {
		return s, true
	}
	return o.base.Lookup(name)
}

func prepare(base schema.Catalog, limits plan.Limits, stmts ast.Script, origin string, follow bool) (*Prepared, error) {
	cat := &overlay{base: base, added: map[string]*schema.Source{}}
	p := plan.New(cat)
	if limits != (plan.Limits{}) {
		p.Limits = limits
	}
	out := &Prepared{}
	for i, st := range stmts {
		switch n := st.(type) {
		case *ast.CreateStream, *ast.CreateTable:
			pl, err := p.Plan(n, plan.Continuous)
			if err != nil {
				return nil, err
			}
			src := pl.(*schema.Source)
			cat.added[src.Name] = src
			out.Decls = append(out.Decls, &Declaration{Source: src, SQL: n.String(), Origin: origin})
		case *ast.CreateQuery:
			d, err := Define(cat, limits, n, origin)
			if err != nil {
				return nil, err
			}
			out.Queries = append(out.Queries, d)
		case *ast.Drop:
			out.Drops = append(out.Drops, &plan.Drop{Object: n.Object, Name: n.Name.Name})
		case *ast.Select:
			if i != len(stmts)-1 {
				return nil, &plan.Error{Pos: n.Pos(), Msg: "an ad-hoc SELECT comes last in a script: its rows are the answer"}
			}
			mode := plan.History
			if follow {
				mode = plan.Continuous
			}
			q, err := p.Select(n, mode)
			if err == nil && mode == plan.History && NeedsOperators(q) {
				// What the batch executor does not run runs in the operators over the
				// history, planned as they take it.
				q, err = p.Select(n, plan.Continuous)
			}
			if err != nil {
				return nil, err
			}
			out.Select = q
		default:
			return nil, &plan.Error{Pos: st.Pos(), Msg: "unknown statement"}
		}
	}
	return out, nil
}
