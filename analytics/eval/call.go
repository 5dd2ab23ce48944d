package eval

import (
	"errors"
	"fmt"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

func (c *Compiler) call(n *ast.Call) (*Expr, error) {
	f, ok := c.Funcs.Lookup(n.Name)
	if !ok {
		if _, stateful := c.Funcs.LookupStateful(n.Name); stateful {
			return nil, Errorf(n.At, "%s keeps state per key and may not be used here", n.Name)
		}
		msg := fmt.Sprintf("unknown function %s", n.Name)
		if s := c.Funcs.Suggest(n.Name); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return nil, Errorf(n.At, "%s", msg)
	}
	if n.Star || n.Distinct {
		return nil, Errorf(n.At, "%s is not an aggregate: it takes no * or DISTINCT", n.Name)
	}
	if err := function.CheckArity(n.Name, f.Min, f.Max, len(n.Args)); err != nil {
		return nil, Errorf(n.At, "%v", err)
	}
	args := make([]*Expr, len(n.Args))
	info := make([]function.Arg, len(n.Args))
	for i, a := range n.Args {
		x, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
		v, isConst := x.Const()
		info[i] = function.Arg{Type: x.Type, Const: isConst, Value: v}
	}
	t, err := f.Check(info)
	if err == nil && f.Prepare == nil {
		return c.callExpr(n, f, f.Eval, t, args), nil
	}
	var impl function.Impl
	if err == nil {
		impl, err = f.Prepare(info)
	}
	if err != nil {
		var ae *function.ArgError
		if errors.As(err, &ae) && ae.Index < len(n.Args) {
			return nil, Errorf(n.Args[ae.Index].Pos(), "%s", ae.Msg)
		}
		return nil, Errorf(n.At, "%v", err)
	}
	return c.callExpr(n, f, impl, t, args), nil
}

func (c *Compiler) callExpr(n *ast.Call, f *function.Func, impl function.Impl, t value.Type, args []*Expr) *Expr {
	fns := make([]evalFunc, len(args))
	for i, a := range args {
		fns[i] = a.fn
	}
	strict := !f.NullSafe
	coerce := t == value.TypeDouble
	fn := func(env *Env) value.Value {
		base := len(env.stack)
		for _, af := range fns {
			v := af(env)
			if strict && v.IsNull() {
				env.stack = env.stack[:base]
				return value.Null
			}
			env.stack = append(env.stack, v)
		}
		r := impl(&env.Context, env.stack[base:])
		env.stack = env.stack[:base]
		if coerce {
			r = function.Coerce(r, value.TypeDouble)
		}
		return r
	}
	if f.Volatile {
		return &Expr{Type: t, Node: n, fn: fn, slot: -1}
	}
	return build(n, t, fn, args...)
}
