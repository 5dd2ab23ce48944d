package eval

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/function"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/value"
)

// Env is the state of one evaluation: the row, the current time, and scratch space. Each
// goroutine evaluating expressions has its own.
type Env struct {
	Row value.Row
	function.Context
	stack []value.Value
}

// evalFunc computes an expression's value for the row in env.
type evalFunc func(env *Env) value.Value

// Expr is a compiled expression.
type Expr struct {
	// Type is the static type: every value Eval returns is of this type or NULL (JSON:
	// any kind).
	Type value.Type
	// Node is the expression compiled.
	Node ast.Expr
	fn   evalFunc
	// isConst and konst: the expression is the constant konst.
	isConst bool
	konst   value.Value
	// slot is the row slot the expression reads when it is a bare slot reference, else -1.
	slot int
}

// Eval computes the expression for env.Row.
func (e *Expr) Eval(env *Env) value.Value { return e.fn(env) }

// Const reports whether the expression is a constant, and its value.
func (e *Expr) Const() (value.Value, bool) { return e.konst, e.isConst }

// Slot is the slot the expression reads when it is a plain reference to one (-1 if not).
func (e *Expr) Slot() int { return e.slot }

// True reports whether the expression, a condition, is TRUE for env (not FALSE or NULL).
func (e *Expr) True(env *Env) bool {
	v := e.fn(env)
	return v.Kind() == value.KindBool && v.AsBool()
}

// Scope tells the compiler what the row holds.
type Scope interface {
	// Resolve is asked about every node before the compiler compiles it. It returns the
	// slot and type of an expression the row holds — a column; in a grouped query a group
	// key, an aggregate, window_start — with ok set; ok false lets the compiler compile the
	// node itself (a bare name the scope does not claim is an unknown column). An error
	// (an unknown or ambiguous column, a column not in GROUP BY) stops compilation.
	Resolve(e ast.Expr) (slot int, t value.Type, ok bool, err error)
}

// Compiler compiles expressions against a scope.
type Compiler struct {
	Funcs *function.Registry
	Scope Scope
}

// Compile compiles e.
func (c *Compiler) Compile(e ast.Expr) (*Expr, error) {
	x, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	return x, nil
}

// Literal compiles a literal without a scope.
func Literal(e ast.Expr) (value.Value, bool) {
	switch n := e.(type) {
	case *ast.IntegerLit:
		return value.Int(n.Value), true
	case *ast.FloatLit:
		return value.Double(n.Value), true
	case *ast.StringLit:
		return value.String(n.Value), true
	case *ast.BoolLit:
		return value.Bool(n.Value), true
	case *ast.NullLit:
		return value.Null, true
	case *ast.Interval:
		return value.Interval(n.Duration), true
	case *ast.TimestampLit:
		t, err := n.Time()
		if err != nil {
			return value.Null, false
		}
		return value.Time(t), true
	}
	return value.Null, false
}

func (c *Compiler) compile(e ast.Expr) (*Expr, error) {
	if c.Scope != nil {
		slot, t, ok, err := c.Scope.Resolve(e)
		if err != nil {
			return nil, err
		}
		if ok {
			return slotExpr(e, slot, t), nil
		}
	}
	if v, ok := Literal(e); ok {
		t := value.Type(v.Kind())
		return constant(e, t, v), nil
	}
	switch n := e.(type) {
	case *ast.Ident:
		return nil, Errorf(n.At, "unknown column %s", lexer.QuoteIdent(n.Name))
	case *ast.Star:
		return nil, Errorf(n.At, "* stands only alone in a select list or in COUNT(*)")
	case *ast.Binary:
		return c.binary(n)
	case *ast.Unary:
		return c.unary(n)
	case *ast.IsNull:
		return c.isNull(n)
	case *ast.In:
		return c.in(n)
	case *ast.Between:
		return c.between(n)
	case *ast.Like:
		return c.like(n)
	case *ast.Case:
		return c.caseExpr(n)
	case *ast.Cast:
		return c.cast(n)
	case *ast.Call:
		return c.call(n)
	case *ast.Dot, *ast.Index:
		return c.access(e)
	case *ast.TimestampLit:
		return nil, Errorf(n.At, "timestamp '%s' is out of range", n.Text)
	}
	return nil, Errorf(e.Pos(), "cannot compile %s", e)
}

func slotExpr(e ast.Expr, slot int, t value.Type) *Expr {
	return &Expr{Type: t, Node: e, slot: slot, fn: func(env *Env) value.Value { return env.Row[slot] }}
}

func constant(e ast.Expr, t value.Type, v value.Value) *Expr {
	return &Expr{Type: t, Node: e, isConst: true, konst: v, slot: -1, fn: func(*Env) value.Value { return v }}
}

// build makes an Expr of fn over args, folded to a constant when every arg is constant.
func build(e ast.Expr, t value.Type, fn evalFunc, args ...*Expr) *Expr {
	x := &Expr{Type: t, Node: e, fn: fn, slot: -1}
	for _, a := range args {
		if a != nil && !a.isConst {
			return x
		}
	}
	return constant(e, t, fn(&Env{}))
}

// coerceTo wraps x so that a BIGINT value becomes a DOUBLE where the type says DOUBLE (a
// CASE or COALESCE mixing the two).
func coerceTo(x *Expr, t value.Type) *Expr {
	if t != value.TypeDouble || x.Type == value.TypeDouble {
		if x.Type == t {
			return x
		}
		y := *x
		y.Type = t
		return &y
	}
	inner := x.fn
	fn := func(env *Env) value.Value { return function.Coerce(inner(env), value.TypeDouble) }
	return build(x.Node, t, fn, x)
}
