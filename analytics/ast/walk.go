package ast

import "reflect"

// Inspect visits n and, depth-first in the order they are written, its descendants: f is
// called with each node, and the children of a node are visited only when f returns true
// for it. The planner uses it to find columns, aggregates and windows in an expression.
// Absent parts (a nil Where, a nil alias) are not visited.
func Inspect(n Node, f func(Node) bool) {
	if isNil(n) || !f(n) {
		return
	}
	for _, c := range children(n) {
		Inspect(c, f)
	}
}

// isNil reports a nil interface, or a nil pointer in one (an absent alias, window, …).
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// children lists n's direct descendants in the order they are written.
func children(n Node) []Node {
	switch n := n.(type) {
	case *Star:
		return []Node{n.Table}
	case *Binary:
		return []Node{n.L, n.R}
	case *Unary:
		return []Node{n.X}
	case *IsNull:
		return []Node{n.X}
	case *In:
		return append([]Node{n.X}, exprs(n.List)...)
	case *Between:
		return []Node{n.X, n.Lo, n.Hi}
	case *Like:
		return []Node{n.X, n.Pattern, n.Escape}
	case *Case:
		out := []Node{n.Operand}
		for _, w := range n.Whens {
			out = append(out, w)
		}
		return append(out, n.Else)
	case *When:
		return []Node{n.Cond, n.Result}
	case *Cast:
		return []Node{n.X}
	case *Call:
		return exprs(n.Args)
	case *Dot:
		return []Node{n.X, n.Name}
	case *Index:
		return []Node{n.X, n.Index}
	case *Select:
		return selectChildren(n)
	case *SelectItem:
		return []Node{n.Expr, n.Alias}
	case *SourceRef:
		return []Node{n.Name, n.Alias, n.Since}
	case *Join:
		return []Node{n.Left, n.Right, n.On}
	case *OrderItem:
		return []Node{n.Expr}
	case *Emit:
		return []Node{n.Every}
	case *TumbleWindow:
		return []Node{n.Time, n.Size}
	case *HopWindow:
		return []Node{n.Time, n.Size, n.Slide}
	case *SlideWindow:
		return []Node{n.Time, n.Range, n.Rows}
	case *SessionWindow:
		return []Node{n.Time, n.Gap, n.MaxLength}
	case *CountWindow:
		return []Node{n.Size, n.Slide}
	case *CreateStream:
		return sourceDefChildren(n.Name, n.Columns, n.Options)
	case *CreateTable:
		return sourceDefChildren(n.Name, n.Columns, n.Options)
	case *ColumnDef:
		return []Node{n.Name}
	case *Option:
		return []Node{n.Name, n.Value}
	case *CreateQuery:
		return []Node{n.Name, n.Into, n.Select}
	case *Drop:
		return []Node{n.Name}
	}
	return nil // leaves: Ident and the literals
}

func exprs(list []Expr) []Node {
	out := make([]Node, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}

func selectChildren(n *Select) []Node {
	var out []Node
	for _, it := range n.Items {
		out = append(out, it)
	}
	out = append(out, n.From, n.Where)
	out = append(out, exprs(n.GroupBy)...)
	out = append(out, n.Window, n.Having)
	for _, o := range n.OrderBy {
		out = append(out, o)
	}
	return append(out, n.Limit, n.Emit, n.LateInto)
}

func sourceDefChildren(name *Ident, cols []*ColumnDef, opts []*Option) []Node {
	out := []Node{name}
	for _, c := range cols {
		out = append(out, c)
	}
	for _, o := range opts {
		out = append(out, o)
	}
	return out
}
