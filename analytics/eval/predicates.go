package eval

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/value"
)

func (c *Compiler) isNull(n *ast.IsNull) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	xf, not := x.fn, n.Not
	return build(n, value.TypeBool, func(env *Env) value.Value {
		return value.Bool(xf(env).IsNull() != not)
	}, x), nil
}

// inHashFrom is the list length from which IN over constants uses a hash set.
const inHashFrom = 6

func (c *Compiler) in(n *ast.In) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	items := make([]*Expr, len(n.List))
	allConst := true
	for i, e := range n.List {
		it, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		if x, it, err = comparable(e, n.X.String()+" IN (… "+e.String()+" …)", x, it); err != nil {
			return nil, err
		}
		items[i] = it
		if _, ok := it.Const(); !ok {
			allConst = false
		}
	}
	not, xf := n.Not, x.fn
	result := func(found bool, unknown bool) value.Value {
		switch {
		case found:
			return value.Bool(!not)
		case unknown:
			return value.Null
		}
		return value.Bool(not)
	}
	if allConst && len(items) >= inHashFrom && x.Type != value.TypeJSON {
		set := map[string]struct{}{}
		hasNull := false
		for _, it := range items {
			v, _ := it.Const()
			if v.IsNull() {
				hasNull = true
				continue
			}
			set[string(value.AppendKey(nil, v))] = struct{}{}
		}
		return build(n, value.TypeBool, func(env *Env) value.Value {
			v := xf(env)
			if v.IsNull() {
				return value.Null
			}
			var buf [64]byte
			_, found := set[string(value.AppendKey(buf[:0], v))]
			return result(found, hasNull)
		}, x), nil
	}
	fns := make([]evalFunc, len(items))
	for i, it := range items {
		fns[i] = it.fn
	}
	return build(n, value.TypeBool, func(env *Env) value.Value {
		v := xf(env)
		if v.IsNull() {
			return value.Null
		}
		unknown := false
		for _, f := range fns {
			c, ok := value.Compare(v, f(env))
			if !ok {
				unknown = true
			} else if c == 0 {
				return result(true, false)
			}
		}
		return result(false, unknown)
	}, append(items, x)...), nil
}

func (c *Compiler) between(n *ast.Between) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	lo, err := c.compile(n.Lo)
	if err != nil {
		return nil, err
	}
	hi, err := c.compile(n.Hi)
	if err != nil {
		return nil, err
	}
	if x, lo, err = comparable(n, n.String(), x, lo); err != nil {
		return nil, err
	}
	if x, hi, err = comparable(n, n.String(), x, hi); err != nil {
		return nil, err
	}
	xf, lf, hf, not := x.fn, lo.fn, hi.fn, n.Not
	return build(n, value.TypeBool, func(env *Env) value.Value {
		v := xf(env)
		c1, ok1 := value.Compare(v, lf(env))
		c2, ok2 := value.Compare(v, hf(env))
		// x >= lo AND x <= hi, in three-valued logic.
		a, b := -1, -1
		if ok1 {
			a = boolInt(c1 >= 0)
		}
		if ok2 {
			b = boolInt(c2 <= 0)
		}
		var r int
		switch {
		case a == 0 || b == 0:
			r = 0
		case a == 1 && b == 1:
			r = 1
		default:
			return value.Null
		}
		return value.Bool((r == 1) != not)
	}, x, lo, hi), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *Compiler) like(n *ast.Like) (*Expr, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return nil, err
	}
	p, err := c.compile(n.Pattern)
	if err != nil {
		return nil, err
	}
	for _, e := range []*Expr{x, p} {
		if e.Type != value.TypeString && e.Type != value.TypeJSON && e.Type != value.TypeNull {
			return nil, Errorf(e.Node.Pos(), "LIKE compares STRINGs, found %s (%s)", e.Type, e.Node)
		}
	}
	escape := rune(-1)
	if n.Escape != nil {
		esc, err := c.compile(n.Escape)
		if err != nil {
			return nil, err
		}
		ev, ok := esc.Const()
		runes := []rune(ev.AsString())
		if !ok || ev.Kind() != value.KindString || len(runes) != 1 {
			return nil, Errorf(n.Escape.Pos(), "ESCAPE takes one character in quotes, as in ESCAPE '!'")
		}
		escape = runes[0]
	}
	xf, not := x.fn, n.Not
	if pv, ok := p.Const(); ok && pv.Kind() == value.KindString {
		m, err := compileLike(pv.AsString(), escape)
		if err != nil {
			return nil, Errorf(n.Pattern.Pos(), "%v", err)
		}
		return build(n, value.TypeBool, func(env *Env) value.Value {
			v := xf(env)
			if v.Kind() != value.KindString {
				return value.Null
			}
			return value.Bool(m.match(v.AsString()) != not)
		}, x), nil
	}
	pf := p.fn
	return build(n, value.TypeBool, func(env *Env) value.Value {
		v, pv := xf(env), pf(env)
		if v.Kind() != value.KindString || pv.Kind() != value.KindString {
			return value.Null
		}
		m, err := compileLike(pv.AsString(), escape)
		if err != nil {
			return value.Null
		}
		return value.Bool(m.match(v.AsString()) != not)
	}, x, p), nil
}
