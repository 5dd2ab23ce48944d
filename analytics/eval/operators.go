package eval

import (
	"time"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/value"
)

func timeDuration(ns int64) time.Duration { return time.Duration(ns) }

func isBool(t value.Type) bool {
	return t == value.TypeBool || t == value.TypeNull || t == value.TypeJSON
}

// truth reads a value as a condition: 1 TRUE, 0 FALSE, -1 unknown (NULL or not a BOOLEAN).
func truth(v value.Value) int {
	if v.Kind() != value.KindBool {
		return -1
	}
	if v.AsBool() {
		return 1
	}
	return 0
}

func (c *Compiler) binary(n *ast.Binary) (*Expr, error) {
	l, err := c.compile(n.L)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(n.R)
	if err != nil {
		return nil, err
	}
	switch n.Op {
	case ast.OpAnd, ast.OpOr:
		return logic(n, l, r)
	case ast.OpEq, ast.OpNe, ast.OpLt, ast.OpLe, ast.OpGt, ast.OpGe:
		return compare(n, l, r)
	case ast.OpConcat:
		return concat(n, l, r), nil
	}
	t, ok := arithType(n.Op, l.Type, r.Type)
	if !ok {
		return nil, Errorf(n.At, "type mismatch: %s %s %s is not defined (%s)", l.Type, n.Op, r.Type, n)
	}
	lf, rf, op := l.fn, r.fn, n.Op
	var fn evalFunc
	switch {
	case l.Type == value.TypeDouble && r.Type == value.TypeDouble:
		fn = func(env *Env) value.Value {
			a, b := lf(env), rf(env)
			if a.IsNull() || b.IsNull() {
				return value.Null
			}
			return doubleArith(op, a.AsDouble(), b.AsDouble())
		}
	case l.Type == value.TypeInt && r.Type == value.TypeInt:
		fn = func(env *Env) value.Value {
			a, b := lf(env), rf(env)
			if a.IsNull() || b.IsNull() {
				return value.Null
			}
			return intArith(op, a.AsInt(), b.AsInt())
		}
	default:
		fn = func(env *Env) value.Value { return Arith(op, lf(env), rf(env)) }
	}
	return build(n, t, fn, l, r), nil
}

func logic(n *ast.Binary, l, r *Expr) (*Expr, error) {
	for _, x := range []*Expr{l, r} {
		if !isBool(x.Type) {
			return nil, Errorf(x.Node.Pos(), "%s needs a BOOLEAN on each side, found %s (%s)", n.Op, x.Type, x.Node)
		}
	}
	lf, rf := l.fn, r.fn
	var fn evalFunc
	if n.Op == ast.OpAnd {
		fn = func(env *Env) value.Value {
			a := truth(lf(env))
			if a == 0 {
				return value.Bool(false)
			}
			b := truth(rf(env))
			switch {
			case b == 0:
				return value.Bool(false)
			case a == 1 && b == 1:
				return value.Bool(true)
			}
			return value.Null
		}
	} else {
		fn = func(env *Env) value.Value {
			a := truth(lf(env))
			if a == 1 {
				return value.Bool(true)
			}
			b := truth(rf(env))
			switch {
			case b == 1:
				return value.Bool(true)
			case a == 0 && b == 0:
				return value.Bool(false)
			}
			return value.Null
		}
	}
	return build(n, value.TypeBool, fn, l, r), nil
}

func concat(n *ast.Binary, l, r *Expr) *Expr {
	lf, rf := l.fn, r.fn
	fn := func(env *Env) value.Value {
		a, b := lf(env), rf(env)
		if a.IsNull() || b.IsNull() {
			return value.Null
		}
		if a.Kind() == value.KindString && b.Kind() == value.KindString {
			return value.String(a.AsString() + b.AsString())
		}
		return value.String(string(value.AppendText(value.AppendText(nil, a), b)))
	}
	return build(n, value.TypeString, fn, l, r)
}

func (c *Compiler) unary(n *ast.Unary) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	xf := x.fn
	if n.Op == ast.OpNot {
		if !isBool(x.Type) {
			return nil, Errorf(n.At, "NOT needs a BOOLEAN, found %s (%s)", x.Type, n.X)
		}
		return build(n, value.TypeBool, func(env *Env) value.Value {
			switch truth(xf(env)) {
			case 1:
				return value.Bool(false)
			case 0:
				return value.Bool(true)
			}
			return value.Null
		}, x), nil
	}
	switch x.Type {
	case value.TypeInt, value.TypeDouble, value.TypeInterval, value.TypeJSON, value.TypeNull:
	default:
		return nil, Errorf(n.At, "type mismatch: - %s is not defined (%s)", x.Type, n)
	}
	return build(n, x.Type, func(env *Env) value.Value { return negate(xf(env)) }, x), nil
}

func negate(v value.Value) value.Value {
	switch v.Kind() {
	case value.KindInt:
		return intArith(ast.OpSub, 0, v.AsInt())
	case value.KindDouble:
		return value.Double(-v.AsDouble())
	case value.KindInterval:
		r := intArith(ast.OpSub, 0, v.AsNanos())
		if r.IsNull() {
			return r
		}
		return value.Interval(timeDuration(r.AsInt()))
	}
	return value.Null
}
