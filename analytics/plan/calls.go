package plan

import (
	"errors"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// isAggregate reports a call of an aggregate.
func (b *builder) isAggregate(c *ast.Call) bool {
	if _, scalar := b.p.Funcs.Lookup(c.Name); scalar {
		return false
	}
	_, ok := b.p.Aggs.Lookup(c.Name)
	return ok
}

// isStateful reports a call of a stateful function.
func (b *builder) isStateful(c *ast.Call) bool {
	_, ok := b.p.Funcs.LookupStateful(c.Name)
	return ok
}

// calls lists the outermost calls in e that pick selects (it does not look inside them).
func calls(e ast.Node, pick func(*ast.Call) bool) []*ast.Call {
	var out []*ast.Call
	ast.Inspect(e, func(n ast.Node) bool {
		if c, ok := n.(*ast.Call); ok && pick(c) {
			out = append(out, c)
			return false
		}
		return true
	})
	return out
}

// noAggregates refuses an aggregate in a clause where rows are not yet grouped.
func (b *builder) noAggregates(e ast.Node, clause, hint string) error {
	if found := calls(e, b.isAggregate); len(found) > 0 {
		msg := "aggregate " + found[0].String() + " is not allowed in " + clause
		if hint != "" {
			msg += ": " + hint
		}
		return errorf(found[0].At, "%s", msg)
	}
	return nil
}

// hasAggregates reports an aggregate in the select list, HAVING or ORDER BY.
func (b *builder) hasAggregates() bool {
	for _, n := range b.afterGrouping() {
		if len(calls(n, b.isAggregate)) > 0 {
			return true
		}
	}
	return false
}

// afterGrouping lists the clauses evaluated after grouping.
func (b *builder) afterGrouping() []ast.Node {
	var out []ast.Node
	for _, it := range b.sel.Items {
		out = append(out, it.Expr)
	}
	if b.sel.Having != nil {
		out = append(out, b.sel.Having)
	}
	for _, o := range b.sel.OrderBy {
		out = append(out, o.Expr)
	}
	return out
}

// statefulCalls finds the calls of stateful functions, checks them, and gives each (one
// per distinct text) a slot of the input row.
func (b *builder) statefulCalls() error {
	sel := b.sel
	var where []ast.Node
	for _, it := range sel.Items {
		where = append(where, it.Expr)
	}
	where = append(where, sel.Where)
	for _, g := range sel.GroupBy {
		where = append(where, g)
	}
	where = append(where, sel.Having)
	for _, o := range sel.OrderBy {
		where = append(where, o.Expr)
	}
	var onClauses []ast.Node
	ast.Inspect(sel.From, func(n ast.Node) bool {
		if j, ok := n.(*ast.Join); ok {
			onClauses = append(onClauses, j.On)
		}
		return true
	})
	for _, on := range onClauses {
		if found := calls(on, b.isStateful); len(found) > 0 {
			return errorf(found[0].At, "%s is not allowed in ON: it is computed per row after the join", found[0].Name)
		}
	}
	for _, n := range where {
		if n == nil {
			continue
		}
		for _, c := range calls(n, b.isStateful) {
			if _, done := b.scope.stateful[c.String()]; done {
				continue
			}
			if err := b.statefulCall(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) statefulCall(c *ast.Call) error {
	q := b.q
	f, _ := b.p.Funcs.LookupStateful(c.Name)
	if c.Star || c.Distinct {
		return errorf(c.At, "%s takes no * or DISTINCT", c.Name)
	}
	if err := function.CheckArity(c.Name, f.Min, f.Max, len(c.Args)); err != nil {
		return errorf(c.At, "%v", err)
	}
	for _, a := range c.Args {
		if inner := calls(a, func(x *ast.Call) bool { return b.isStateful(x) || b.isAggregate(x) }); len(inner) > 0 {
			return errorf(inner[0].At, "%s inside %s: a function that keeps state per key takes plain values", inner[0], c.Name)
		}
	}
	if !q.Inputs[0].Source.HasSystemColumns() {
		return errorf(c.At, "%s keeps state per partition key: it needs a stream, and %s is a table", c.Name, q.Inputs[0].Name)
	}
	args := make([]*eval.Expr, len(c.Args))
	info := make([]function.Arg, len(c.Args))
	for i, a := range c.Args {
		x, err := b.in.Compile(a)
		if err != nil {
			return err
		}
		args[i] = x
		v, isConst := x.Const()
		info[i] = function.Arg{Type: x.Type, Const: isConst, Value: v}
	}
	t, spec, err := f.Check(info)
	if err != nil {
		var ae *function.ArgError
		if errors.As(err, &ae) && ae.Index < len(c.Args) {
			return errorf(c.Args[ae.Index].Pos(), "%s", ae.Msg)
		}
		return errorf(c.At, "%v", err)
	}
	if t == value.TypeNull {
		t = value.TypeJSON
	}
	call := &StatefulCall{Func: f, Spec: spec, Slot: q.InputWidth, Type: t, Node: c}
	q.InputWidth++
	for _, i := range spec.Args {
		call.Args = append(call.Args, args[i])
	}
	q.Stateful = append(q.Stateful, call)
	b.scope.stateful[c.String()] = call
	if q.KeySlot < 0 {
		q.KeySlot = b.scope.slot(0, schema.KeyColumn)
	}
	return nil
}
