package eval

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

func (c *Compiler) caseExpr(n *ast.Case) (*Expr, error) {
	var operand *Expr
	if n.Operand != nil {
		var err error
		if operand, err = c.compile(n.Operand); err != nil {
			return nil, err
		}
	}
	conds := make([]*Expr, len(n.Whens))
	results := make([]*Expr, 0, len(n.Whens)+1)
	t := value.TypeNull
	for i, w := range n.Whens {
		cond, err := c.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			var op *Expr
			if op, cond, err = comparable(w.Cond, n.Operand.String()+" = "+w.Cond.String(), operand, cond); err != nil {
				return nil, err
			}
			operand = op
		} else if !isBool(cond.Type) {
			return nil, Errorf(w.Cond.Pos(), "a WHEN condition must be a BOOLEAN, found %s (%s)", cond.Type, w.Cond)
		}
		conds[i] = cond
		res, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	if n.Else != nil {
		e, err := c.compile(n.Else)
		if err != nil {
			return nil, err
		}
		results = append(results, e)
	}
	for _, r := range results {
		ct, ok := function.Common(t, r.Type)
		if !ok {
			return nil, Errorf(r.Node.Pos(), "the branches of CASE mix %s with %s (%s)", t, r.Type, r.Node)
		}
		t = ct
	}
	fns := make([]evalFunc, len(results))
	for i, r := range results {
		fns[i] = coerceTo(r, t).fn
	}
	condFns := make([]evalFunc, len(conds))
	for i, cd := range conds {
		condFns[i] = cd.fn
	}
	hasElse := n.Else != nil
	all := append(append([]*Expr{operand}, conds...), results...)
	var fn evalFunc
	if operand != nil {
		of := operand.fn
		fn = func(env *Env) value.Value {
			v := of(env)
			for i, cf := range condFns {
				if value.Equal(v, cf(env)) {
					return fns[i](env)
				}
			}
			if hasElse {
				return fns[len(fns)-1](env)
			}
			return value.Null
		}
	} else {
		fn = func(env *Env) value.Value {
			for i, cf := range condFns {
				if truth(cf(env)) == 1 {
					return fns[i](env)
				}
			}
			if hasElse {
				return fns[len(fns)-1](env)
			}
			return value.Null
		}
	}
	return build(n, t, fn, all...), nil
}

// castable reports whether CAST from type from to type to is defined.
func castable(from, to value.Type) bool {
	if from == to || from == value.TypeNull || from == value.TypeJSON || from == value.TypeString ||
		to == value.TypeString || to == value.TypeJSON {
		return true
	}
	switch to {
	case value.TypeInt:
		return from != value.TypeNull
	case value.TypeDouble, value.TypeBool:
		return from == value.TypeInt || from == value.TypeDouble || from == value.TypeBool
	case value.TypeTimestamp:
		return from == value.TypeInt || from == value.TypeDouble
	case value.TypeInterval:
		return from == value.TypeInt
	}
	return false
}

func (c *Compiler) cast(n *ast.Cast) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	to := value.FromAST(n.Type)
	if !castable(x.Type, to) {
		return nil, Errorf(n.At, "cannot cast %s to %s (%s)", x.Type, to, n)
	}
	if v, ok := x.Const(); ok {
		r, ok := value.Cast(v, to)
		if !ok {
			return nil, Errorf(n.At, "%s is not a %s (%s)", v, to, n)
		}
		return constant(n, to, r), nil
	}
	xf := x.fn
	return build(n, to, func(env *Env) value.Value {
		r, _ := value.Cast(xf(env), to)
		return r
	}, x), nil
}

// Convert is x cast to type to at run time, as CAST does (NULL where a value does not
// convert), for casts the planner adds itself (an event time given as text).
func Convert(x *Expr, to value.Type) *Expr {
	xf := x.fn
	return build(x.Node, to, func(env *Env) value.Value {
		r, _ := value.Cast(xf(env), to)
		return r
	}, x)
}

// Ref is an expression that reads slot, of type t, written as node.
func Ref(node ast.Expr, slot int, t value.Type) *Expr { return slotExpr(node, slot, t) }
