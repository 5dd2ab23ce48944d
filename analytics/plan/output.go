package plan

import (
	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/eval"
	"github.com/tidegate/tidegate/analytics/lexer"
	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// projection compiles the select list with c (over the input row, or the group row).
func (b *builder) projection(c *eval.Compiler, grouped bool) error {
	q := b.q
	names := map[string]bool{}
	add := func(x *eval.Expr, name string, at lexer.Pos, spread bool) error {
		if !spread {
			if names[name] {
				return errorf(at, "two result columns are named %s: give one an alias (AS …)", lexer.QuoteIdent(name))
			}
			names[name] = true
		}
		t := x.Type
		if t == value.TypeNull {
			t = value.TypeJSON
		}
		q.Project = append(q.Project, x)
		q.Output = append(q.Output, Column{Name: name, Type: t, Spread: spread})
		return nil
	}
	for _, it := range b.sel.Items {
		if star, ok := it.Expr.(*ast.Star); ok {
			if grouped {
				return errorf(star.At, "SELECT * in a grouped query: list the group keys and aggregates")
			}
			if err := b.star(star, add); err != nil {
				return err
			}
			continue
		}
		x, err := c.Compile(it.Expr)
		if err != nil {
			return err
		}
		name, at := outputName(it), it.Expr.Pos()
		if it.Alias != nil {
			at = it.Alias.At
		}
		if err := add(x, name, at, false); err != nil {
			return err
		}
	}
	return nil
}

// star expands * and t.*: each declared column, or for a schemaless stream the whole
// record, spread.
func (b *builder) star(star *ast.Star, add func(*eval.Expr, string, lexer.Pos, bool) error) error {
	inputs := b.q.Inputs
	if star.Table != nil {
		i := b.scope.inputNamed(star.Table.Name)
		if i < 0 {
			return errorf(star.Table.At, "%s.* names no source of this query", lexer.QuoteIdent(star.Table.Name))
		}
		inputs = inputs[i : i+1]
	}
	for _, in := range inputs {
		i := b.inputIndex(in)
		src := in.Source
		if src.IsSchemaless() {
			slot := b.scope.slot(i, schema.RecordColumn)
			if err := add(eval.Ref(star, slot, value.TypeJSON), "*", star.At, true); err != nil {
				return err
			}
			continue
		}
		for _, col := range src.Columns {
			slot := b.scope.slot(i, col.Name)
			if err := add(eval.Ref(&ast.Ident{At: star.At, Name: col.Name}, slot, col.Type), col.Name, star.At, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) inputIndex(in *Input) int {
	for i, x := range b.q.Inputs {
		if x == in {
			return i
		}
	}
	return -1
}

// outputName is a select item's column name: its alias, a column's or member's name, or
// the expression's canonical text.
func outputName(it *ast.SelectItem) string {
	if it.Alias != nil {
		return it.Alias.Name
	}
	switch e := it.Expr.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.Dot:
		return e.Name.Name
	case *ast.Index:
		if s, ok := e.Index.(*ast.StringLit); ok {
			return s.Value
		}
	}
	return it.Expr.String()
}

// orderLimit plans ORDER BY and LIMIT: a key names a result column (by alias, name or
// position) or is compiled as a hidden column after the result.
func (b *builder) orderLimit(c *eval.Compiler) error {
	q, sel := b.q, b.sel
	if sel.Limit != nil {
		q.Limit = sel.Limit.Value
	}
	if q.Mode == Continuous && q.Window == nil {
		switch {
		case len(sel.OrderBy) > 0:
			return errorf(sel.OrderBy[0].Expr.Pos(), "ORDER BY in a continuous query needs a window: it orders the rows of each window (an ad-hoc SELECT orders what the stream holds)")
		case sel.Limit != nil:
			return errorf(sel.Limit.At, "LIMIT in a continuous query needs a window: it limits the rows of each window")
		}
	}
	visible := len(q.Output)
	for _, o := range sel.OrderBy {
		slot, err := b.orderSlot(c, o.Expr, visible)
		if err != nil {
			return err
		}
		q.Order = append(q.Order, OrderKey{Slot: slot, Desc: o.Desc})
	}
	return nil
}

func (b *builder) orderSlot(c *eval.Compiler, e ast.Expr, visible int) (int, error) {
	q := b.q
	if n, ok := e.(*ast.IntegerLit); ok {
		if n.Value < 1 || n.Value > int64(visible) {
			return 0, errorf(n.At, "ORDER BY %d: the result has columns 1 to %d", n.Value, visible)
		}
		return int(n.Value - 1), nil
	}
	if id, ok := e.(*ast.Ident); ok {
		for i, it := range b.sel.Items {
			if it.Alias != nil && it.Alias.Name == id.Name {
				return b.itemSlot(i), nil
			}
		}
	}
	text := e.String()
	for i, it := range b.sel.Items {
		if _, star := it.Expr.(*ast.Star); !star && it.Expr.String() == text && i < visible {
			return b.itemSlot(i), nil
		}
	}
	x, err := c.Compile(e)
	if err != nil {
		return 0, err
	}
	q.Project = append(q.Project, x)
	return len(q.Project) - 1, nil
}

// itemSlot is the output slot of select item i (stars expand to several).
func (b *builder) itemSlot(i int) int {
	slot := 0
	for j, it := range b.sel.Items {
		if j == i {
			return slot
		}
		if star, ok := it.Expr.(*ast.Star); ok {
			slot += b.starWidth(star)
		} else {
			slot++
		}
	}
	return slot
}

func (b *builder) starWidth(star *ast.Star) int {
	n := 0
	for _, in := range b.q.Inputs {
		if star.Table != nil && in.Name != star.Table.Name {
			continue
		}
		if in.Source.IsSchemaless() {
			n++
		} else {
			n += len(in.Source.Columns)
		}
	}
	return n
}
