package plan

import (
	"github.com/tidegate/tidegate/analytics/aggregate"
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/schema"
)

// Limits are the caps the operators enforce, from which the planner computes a query's
// memory bound. A query whose state would pass one drops what is beyond (counted) rather
// than growing without end.
type Limits struct {
	// MaxGroups is the number of groups one window (or an ad-hoc GROUP BY) may hold.
	MaxGroups int
	// MaxKeys is the number of partition keys with state (stateful functions) a query or
	// stream-backed table keeps; the least recently seen are dropped beyond it.
	MaxKeys int
	// MaxRows is the number of rows a query buffers: a sliding window over time, each
	// side of a stream–stream join, an ORDER BY without LIMIT over history.
	MaxRows int
}

// DefaultLimits are the limits of a planner made by New.
func DefaultLimits() Limits {
	return Limits{MaxGroups: 100_000, MaxKeys: 100_000, MaxRows: 1_000_000}
}

// Planner checks statements and plans queries. Its fields are read-only once it is in
// use; one Planner may serve many goroutines.
type Planner struct {
	Catalog schema.Catalog
	Funcs   *function.Registry
	Aggs    *aggregate.Registry
	Limits  Limits
}

// New makes a planner over a catalog with the built-in functions and default limits.
func New(cat schema.Catalog) *Planner {
	return &Planner{Catalog: cat, Funcs: function.Builtins(), Aggs: aggregate.Builtins(), Limits: DefaultLimits()}
}

// Plan is what a statement plans to: *schema.Source (CREATE STREAM, CREATE TABLE),
// *Query (CREATE QUERY, SELECT) or *Drop.
type Plan any

// Drop is a checked DROP.
type Drop struct {
	Object ast.ObjectKind
	Name   string
}

// Plan checks a statement; a SELECT is planned in mode.
func (p *Planner) Plan(st ast.Statement, mode Mode) (Plan, error) {
	switch n := st.(type) {
	case *ast.CreateStream:
		return p.DefineStream(n)
	case *ast.CreateTable:
		return p.DefineTable(n)
	case *ast.CreateQuery:
		return p.CreateQuery(n)
	case *ast.Select:
		return p.Select(n, mode)
	case *ast.Drop:
		return &Drop{Object: n.Object, Name: n.Name.Name}, nil
	}
	return nil, errorf(st.Pos(), "unknown statement")
}

// CreateQuery plans a continuous query that writes into a stream.
func (p *Planner) CreateQuery(n *ast.CreateQuery) (*Query, error) {
	q, err := p.Select(n.Select, Continuous)
	if err != nil {
		return nil, err
	}
	q.Name, q.Into = n.Name.Name, n.Into.Name
	for _, in := range q.Inputs {
		if in.Source.Stream == q.Into || in.Source.Name == q.Into {
			return nil, errorf(n.Into.At, "query %s would write into %s, which it reads: its output would feed its input", lexer.QuoteIdent(q.Name), lexer.QuoteIdent(q.Into))
		}
	}
	if q.LateInto != "" && q.LateInto == q.Into {
		return nil, errorf(n.Select.LateInto.At, "late rows go to a stream of their own, not to %s where the results go", lexer.QuoteIdent(q.Into))
	}
	return q, nil
}
