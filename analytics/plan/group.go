package plan

import (
	"errors"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// group plans the grouping: keys, aggregates, the group row, HAVING; it returns the
// compiler for the expressions after grouping.
func (b *builder) group() (*eval.Compiler, error) {
	q, sel := b.q, b.sel
	g := &Group{WindowStart: -1, WindowEnd: -1}
	q.Group = g
	gs := &groupScope{keys: map[string]int{}, aggs: map[string]int{}, aggTyp: map[string]value.Type{}, group: g, input: b.scope}
	for _, k := range sel.GroupBy {
		if err := b.noAggregates(k, "GROUP BY", ""); err != nil {
			return nil, err
		}
		e := b.aliasFor(k)
		x, err := b.in.Compile(e)
		if err != nil {
			return nil, err
		}
		text := e.String()
		if _, dup := gs.keys[text]; dup {
			continue
		}
		gs.keys[text] = len(g.Keys)
		if text != k.String() {
			gs.keys[k.String()] = len(g.Keys)
		}
		t := x.Type
		if t == value.TypeNull {
			t = value.TypeJSON
		}
		gs.keyTyp = append(gs.keyTyp, t)
		g.Keys = append(g.Keys, x)
	}
	var aggCalls []*ast.Call
	for _, n := range b.afterGrouping() {
		aggCalls = append(aggCalls, calls(n, b.isAggregate)...)
	}
	for _, c := range aggCalls {
		if _, done := gs.aggs[c.String()]; done {
			continue
		}
		a, err := b.aggregate(c)
		if err != nil {
			return nil, err
		}
		gs.aggs[c.String()] = len(g.Keys) + len(g.Aggs)
		gs.aggTyp[c.String()] = a.Type
		g.Aggs = append(g.Aggs, a)
	}
	g.Width = len(g.Keys) + len(g.Aggs)
	if q.Window != nil {
		g.WindowStart, g.WindowEnd = g.Width, g.Width+1
		g.Width += 2
	}
	c := &eval.Compiler{Funcs: b.p.Funcs, Scope: gs}
	if sel.Having != nil {
		h, err := b.condition(c, sel.Having, "HAVING")
		if err != nil {
			return nil, err
		}
		g.Having = h
	}
	return c, nil
}

// aliasFor is the select item a GROUP BY key names by its alias, when the key is a bare
// name that is no column; else the key itself.
func (b *builder) aliasFor(k ast.Expr) ast.Expr {
	id, ok := k.(*ast.Ident)
	if !ok {
		return k
	}
	for _, in := range b.q.Inputs {
		if in.Source.IsSchemaless() {
			return k
		}
		if _, has := columnType(in.Source, id.Name); has {
			return k
		}
	}
	for _, it := range b.sel.Items {
		if it.Alias != nil && it.Alias.Name == id.Name {
			return it.Expr
		}
	}
	return k
}

// aggregate checks one aggregate call and compiles its argument over the input row.
func (b *builder) aggregate(c *ast.Call) (*AggCall, error) {
	f, _ := b.p.Aggs.Lookup(c.Name)
	for _, a := range c.Args {
		if inner := calls(a, b.isAggregate); len(inner) > 0 {
			return nil, errorf(inner[0].At, "aggregate %s inside aggregate %s: aggregates do not nest", inner[0], c.Name)
		}
	}
	args := make([]*eval.Expr, len(c.Args))
	info := make([]function.Arg, len(c.Args))
	for i, a := range c.Args {
		x, err := b.in.Compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
		v, isConst := x.Const()
		info[i] = function.Arg{Type: x.Type, Const: isConst, Value: v}
	}
	t, spec, err := f.CheckCall(info, c.Star, c.Distinct)
	if err != nil {
		var ae *function.ArgError
		if errors.As(err, &ae) && ae.Index < len(c.Args) {
			return nil, errorf(c.Args[ae.Index].Pos(), "%s", ae.Msg)
		}
		return nil, errorf(c.At, "%v", err)
	}
	a := &AggCall{Func: f, Spec: spec, Distinct: c.Distinct, Type: t, Node: c}
	if len(args) > 0 && !c.Star {
		a.Arg = args[0]
	}
	return a, nil
}
