package plan

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// builder plans one SELECT.
type builder struct {
	p     *Planner
	q     *Query
	sel   *ast.Select
	scope *inputScope
	in    *eval.Compiler // over the input row
}

// Select plans a SELECT in mode.
func (p *Planner) Select(sel *ast.Select, mode Mode) (*Query, error) {
	q := &Query{Mode: mode, Node: sel, Limit: -1, KeySlot: -1}
	b := &builder{p: p, q: q, sel: sel, scope: newInputScope(q)}
	b.in = &eval.Compiler{Funcs: p.Funcs, Scope: b.scope}
	if err := b.build(); err != nil {
		return nil, located(err)
	}
	return q, nil
}

func (b *builder) build() error {
	sel, q := b.sel, b.q
	joins, err := b.inputs(sel.From)
	if err != nil {
		return err
	}
	if q.Mode == Continuous && q.Inputs[0].Source.Kind == schema.Table {
		return errorf(sel.From.Pos(), "%s is a table: a continuous query reads a stream first (a table can be joined to it)", lexer.QuoteIdent(q.Inputs[0].Source.Name))
	}
	if err := b.statefulCalls(); err != nil {
		return err
	}
	grouped := len(sel.GroupBy) > 0 || sel.Window != nil || b.hasAggregates()
	if sel.Window != nil {
		if q.Window, err = checkWindow(sel.Window); err != nil {
			return err
		}
	}
	if err := b.unbounded(grouped); err != nil {
		return err
	}
	if err := b.rowTime(grouped || len(q.Stateful) > 0 || len(joins) > 0); err != nil {
		return err
	}
	for _, j := range joins {
		if err := b.join(j); err != nil {
			return err
		}
	}
	if sel.Where != nil {
		if err := b.noAggregates(sel.Where, "WHERE", "filter groups with HAVING"); err != nil {
			return err
		}
		if q.Where, err = b.condition(b.in, sel.Where, "WHERE"); err != nil {
			return err
		}
	}
	var project *eval.Compiler
	if grouped {
		if project, err = b.group(); err != nil {
			return err
		}
	} else {
		if sel.Having != nil {
			return errorf(sel.Having.Pos(), "HAVING filters groups, and this query has none: use WHERE")
		}
		project = b.in
	}
	if err := b.projection(project, grouped); err != nil {
		return err
	}
	if err := b.orderLimit(project); err != nil {
		return err
	}
	if err := b.emit(); err != nil {
		return err
	}
	b.bound()
	return nil
}

// inputs reads FROM: the sources in order, and the joins to plan once the row time is
// known.
func (b *builder) inputs(from ast.Source) ([]*ast.Join, error) {
	var joins []*ast.Join
	var refs []*ast.SourceRef
	var walk func(s ast.Source)
	walk = func(s ast.Source) {
		switch n := s.(type) {
		case *ast.SourceRef:
			refs = append(refs, n)
		case *ast.Join:
			walk(n.Left)
			refs = append(refs, n.Right)
			joins = append(joins, n)
		}
	}
	walk(from)
	for _, ref := range refs {
		src, ok := b.p.Catalog.Lookup(ref.Name.Name)
		if !ok {
			return nil, errorf(ref.Name.At, "unknown stream or table %s", lexer.QuoteIdent(ref.Name.Name))
		}
		in := &Input{Source: src, Name: ref.Name.Name}
		if ref.Alias != nil {
			in.Name = ref.Alias.Name
		}
		for _, other := range b.q.Inputs {
			if other.Name == in.Name {
				at := ref.Name.At
				if ref.Alias != nil {
					at = ref.Alias.At
				}
				return nil, errorf(at, "%s is read twice: give each an alias of its own", lexer.QuoteIdent(in.Name))
			}
		}
		if ref.Since != nil {
			if src.Kind == schema.Table {
				return nil, errorf(ref.Since.At, "SINCE reads a stream's history; %s is a table", lexer.QuoteIdent(src.Name))
			}
			t, err := ref.Since.Time()
			if err != nil {
				return nil, errorf(ref.Since.At, "%v", err)
			}
			in.Since = &t
		}
		b.q.Inputs = append(b.q.Inputs, in)
	}
	return joins, nil
}

// condition compiles a BOOLEAN expression.
func (b *builder) condition(c *eval.Compiler, e ast.Expr, clause string) (*eval.Expr, error) {
	x, err := c.Compile(e)
	if err != nil {
		return nil, err
	}
	switch x.Type {
	case value.TypeBool, value.TypeJSON, value.TypeNull:
		return x, nil
	}
	return nil, errorf(e.Pos(), "%s needs a condition (a BOOLEAN), found %s (%s)", clause, x.Type, e)
}

// rowTime sets the query's row time: the window's own time expression, else the driving
// stream's event-time column, else its arrival time. need says whether anything uses it.
func (b *builder) rowTime(need bool) error {
	q := b.q
	src := q.Inputs[0].Source
	q.Lateness, q.IdleTimeout = src.Lateness, src.IdleTimeout
	if !need {
		return nil
	}
	var t *eval.Expr
	var err error
	if b.sel.Window != nil {
		if e := windowTime(b.sel.Window); e != nil {
			if err := b.noAggregates(e, "the window's time", ""); err != nil {
				return err
			}
			if t, err = b.in.Compile(e); err != nil {
				return err
			}
			if t, err = asTime(t, e.Pos(), "the window's time"); err != nil {
				return err
			}
		}
	}
	if t == nil {
		if t, err = b.inputTime(0); err != nil {
			return err
		}
	}
	q.Time = t
	if t != nil {
		q.EventTime = !(t.Slot() >= 0 && t.Slot() == b.systemSlot(0, schema.ArrivalColumn))
	}
	return nil
}

// inputTime is input i's own time: its event-time column, else its arrival time (nil for
// a table without either).
func (b *builder) inputTime(i int) (*eval.Expr, error) {
	src := b.q.Inputs[i].Source
	if src.TimeColumn != "" {
		path, err := parserExpr(src.TimeColumn)
		if err != nil {
			return nil, err
		}
		saved := b.scope.only
		b.scope.only = i
		defer func() { b.scope.only = saved }()
		t, err := b.in.Compile(path)
		if err != nil {
			return nil, err
		}
		return asTime(t, path.Pos(), "the event-time column")
	}
	if !src.HasSystemColumns() {
		return nil, nil
	}
	slot := b.scope.slot(i, schema.ArrivalColumn)
	return eval.Ref(&ast.Ident{Name: schema.ArrivalColumn}, slot, value.TypeTimestamp), nil
}

// systemSlot is the slot of a system column of input i, -1 when not read.
func (b *builder) systemSlot(i int, name string) int {
	in := b.q.Inputs[i]
	for j, c := range in.Columns {
		if c == name {
			return in.Slots[j]
		}
	}
	return -1
}

// asTime makes t a TIMESTAMP: a TIMESTAMP as it is; JSON, text or a Unix time converted as
// CAST does (a row whose time does not convert has a NULL time).
func asTime(t *eval.Expr, at lexer.Pos, what string) (*eval.Expr, error) {
	switch t.Type {
	case value.TypeTimestamp:
		return t, nil
	case value.TypeJSON, value.TypeString, value.TypeInt, value.TypeDouble:
		return eval.Convert(t, value.TypeTimestamp), nil
	}
	return nil, errorf(at, "%s must be a TIMESTAMP, found %s (%s)", what, t.Type, t.Node)
}

// parserExpr parses a column path given in an option.
func parserExpr(path string) (ast.Expr, error) {
	e, err := parser.ParseExpr(path)
	if err != nil {
		return nil, errorf(lexer.Pos{Line: 1, Column: 1}, "event-time column '%s': %v", path, err)
	}
	return e, nil
}
