package eval

import (
	"strings"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/value"
)

// comparable checks that l and r can be compared, reading a constant string on one side as
// the other side's TIMESTAMP or INTERVAL ("ts > '2026-11-27'"). It returns the operands to
// compare.
func comparable(at ast.Node, what string, l, r *Expr) (*Expr, *Expr, error) {
	if _, ok := function.Common(l.Type, r.Type); ok {
		return l, r, nil
	}
	var err error
	if r, err = readAs(r, l.Type); err == nil {
		if l, err = readAs(l, r.Type); err == nil {
			if _, ok := function.Common(l.Type, r.Type); ok {
				return l, r, nil
			}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return nil, nil, Errorf(at.Pos(), "type mismatch: cannot compare %s with %s (%s)", l.Type, r.Type, what)
}

// readAs reads a constant string x as a value of type t (TIMESTAMP or INTERVAL); other
// expressions are returned unchanged.
func readAs(x *Expr, t value.Type) (*Expr, error) {
	v, ok := x.Const()
	if !ok || x.Type != value.TypeString || (t != value.TypeTimestamp && t != value.TypeInterval) {
		return x, nil
	}
	c, ok := value.Cast(v, t)
	if !ok {
		return nil, Errorf(x.Node.Pos(), "'%s' is not a %s", v.AsString(), t)
	}
	return constant(x.Node, t, c), nil
}

// holds reports whether comparison result c (-1, 0, 1) satisfies op.
func holds(op ast.BinaryOp, c int) bool {
	switch op {
	case ast.OpEq:
		return c == 0
	case ast.OpNe:
		return c != 0
	case ast.OpLt:
		return c < 0
	case ast.OpLe:
		return c <= 0
	case ast.OpGt:
		return c > 0
	}
	return c >= 0
}

// flip is op with its operands swapped (a < b is b > a).
func flip(op ast.BinaryOp) ast.BinaryOp {
	switch op {
	case ast.OpLt:
		return ast.OpGt
	case ast.OpLe:
		return ast.OpGe
	case ast.OpGt:
		return ast.OpLt
	case ast.OpGe:
		return ast.OpLe
	}
	return op
}

func compare(n *ast.Binary, l, r *Expr) (*Expr, error) {
	l, r, err := comparable(n, n.String(), l, r)
	if err != nil {
		return nil, err
	}
	if fn := compareSlotConst(n.Op, l, r); fn != nil {
		return build(n, value.TypeBool, fn, l, r), nil
	}
	if fn := compareSlotConst(flip(n.Op), r, l); fn != nil {
		return build(n, value.TypeBool, fn, l, r), nil
	}
	lf, rf, op := l.fn, r.fn, n.Op
	return build(n, value.TypeBool, func(env *Env) value.Value {
		c, ok := value.Compare(lf(env), rf(env))
		if !ok {
			return value.Null
		}
		return value.Bool(holds(op, c))
	}, l, r), nil
}

// compareSlotConst specialises "column op constant" for the common typed cases; nil when
// it does not apply.
func compareSlotConst(op ast.BinaryOp, col, k *Expr) evalFunc {
	kv, isConst := k.Const()
	slot := col.slot
	if !isConst || slot < 0 || kv.IsNull() {
		return nil
	}
	switch {
	case col.Type == value.TypeDouble && (kv.Kind() == value.KindDouble || kv.Kind() == value.KindInt):
		f, _ := kv.Number()
		if kv.Kind() == value.KindInt && (f >= 9.2e18 || int64(f) != kv.AsInt()) {
			return nil // not exact as a double: the generic comparison is
		}
		return func(env *Env) value.Value {
			v := env.Row[slot]
			if v.IsNull() {
				return value.Null
			}
			return value.Bool(holds(op, value.CompareDouble(v.AsDouble(), f)))
		}
	case (col.Type == value.TypeInt && kv.Kind() == value.KindInt) ||
		(col.Type == value.TypeTimestamp && kv.Kind() == value.KindTimestamp) ||
		(col.Type == value.TypeInterval && kv.Kind() == value.KindInterval):
		n := kv.AsInt()
		return func(env *Env) value.Value {
			v := env.Row[slot]
			if v.IsNull() {
				return value.Null
			}
			a := v.AsInt()
			c := 0
			if a < n {
				c = -1
			} else if a > n {
				c = 1
			}
			return value.Bool(holds(op, c))
		}
	case col.Type == value.TypeString && kv.Kind() == value.KindString:
		s := kv.AsString()
		return func(env *Env) value.Value {
			v := env.Row[slot]
			if v.IsNull() {
				return value.Null
			}
			return value.Bool(holds(op, strings.Compare(v.AsString(), s)))
		}
	}
	return nil
}
