package eval

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/value"
)

// access compiles a.b, a['k'] and a[i] into JSON values.
func (c *Compiler) access(e ast.Expr) (*Expr, error) {
	var base ast.Expr
	var at lexer.Pos
	switch n := e.(type) {
	case *ast.Dot:
		base, at = n.X, n.At
	case *ast.Index:
		base, at = n.X, n.At
	}
	x, err := c.compile(base)
	if err != nil {
		return nil, err
	}
	if x.Type != value.TypeJSON && x.Type != value.TypeNull {
		what := "member"
		if _, ok := e.(*ast.Index); ok {
			what = "element"
		}
		return nil, Errorf(at, "%s is %s, not JSON: it has no %s %s", base, x.Type, what, e)
	}
	xf := x.fn
	if d, ok := e.(*ast.Dot); ok {
		name := d.Name.Name
		return build(e, value.TypeJSON, func(env *Env) value.Value { return xf(env).Member(name) }, x), nil
	}
	idx, err := c.compile(e.(*ast.Index).Index)
	if err != nil {
		return nil, err
	}
	switch idx.Type {
	case value.TypeInt, value.TypeString, value.TypeJSON, value.TypeNull:
	default:
		return nil, Errorf(idx.Node.Pos(), "an index is a whole number (an array element) or a string (an object member), found %s", idx.Type)
	}
	inf := idx.fn
	return build(e, value.TypeJSON, func(env *Env) value.Value {
		v, i := xf(env), inf(env)
		switch i.Kind() {
		case value.KindInt:
			n := i.AsInt()
			if n < 0 || n > int64(v.Len()) {
				return value.Null
			}
			return v.Elem(int(n))
		case value.KindString:
			return v.Member(i.AsString())
		}
		return value.Null
	}, x, idx), nil
}
