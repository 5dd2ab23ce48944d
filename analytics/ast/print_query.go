package ast

import (
	"strings"

	"github.com/tidegate/tidegate/analytics/lexer"
)

func (n *Select) format(b *strings.Builder) {
	b.WriteString("SELECT ")
	for i, it := range n.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		it.format(b)
	}
	b.WriteString(" FROM ")
	n.From.format(b)
	if n.Where != nil {
		b.WriteString(" WHERE ")
		n.Where.format(b)
	}
	if len(n.GroupBy) > 0 || n.Window != nil {
		b.WriteString(" GROUP BY ")
		writeList(b, n.GroupBy)
		if n.Window != nil {
			if len(n.GroupBy) > 0 {
				b.WriteString(", ")
			}
			n.Window.format(b)
		}
	}
	if n.Having != nil {
		b.WriteString(" HAVING ")
		n.Having.format(b)
	}
	for i, o := range n.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		o.format(b)
	}
	if n.Limit != nil {
		b.WriteString(" LIMIT ")
		n.Limit.format(b)
	}
	if n.Emit != nil {
		b.WriteByte(' ')
		n.Emit.format(b)
	}
	if n.LateInto != nil {
		b.WriteString(" EMIT LATE INTO ")
		n.LateInto.format(b)
	}
}

func (n *SelectItem) format(b *strings.Builder) {
	n.Expr.format(b)
	if n.Alias != nil {
		b.WriteString(" AS ")
		n.Alias.format(b)
	}
}

func (n *SourceRef) format(b *strings.Builder) {
	n.Name.format(b)
	if n.Alias != nil {
		b.WriteString(" AS ")
		n.Alias.format(b)
	}
	if n.Since != nil {
		b.WriteString(" SINCE ")
		b.WriteString(lexer.QuoteString(n.Since.Text))
	}
}

func (n *Join) format(b *strings.Builder) {
	n.Left.format(b)
	if n.Kind == LeftJoin {
		b.WriteString(" LEFT JOIN ")
	} else {
		b.WriteString(" JOIN ")
	}
	n.Right.format(b)
	b.WriteString(" ON ")
	n.On.format(b)
}

func (n *OrderItem) format(b *strings.Builder) {
	n.Expr.format(b)
	if n.Desc {
		b.WriteString(" DESC")
	}
}

func (n *Emit) format(b *strings.Builder) {
	switch n.Policy {
	case EmitOnWindowClose:
		b.WriteString("EMIT ON WINDOW CLOSE")
	case EmitOnUpdate:
		b.WriteString("EMIT ON UPDATE")
	case EmitEvery:
		b.WriteString("EMIT EVERY ")
		n.Every.format(b)
	}
}

// openWindow prints "NAME(" and the time expression, if any, with its comma.
func openWindow(b *strings.Builder, name string, time Expr) {
	b.WriteString(name)
	b.WriteByte('(')
	if time != nil {
		time.format(b)
		b.WriteString(", ")
	}
}

// writeArgs prints ", " before each argument but the first, and the closing parenthesis.
func writeArgs(b *strings.Builder, args ...Node) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.format(b)
	}
	b.WriteByte(')')
}

func (n *TumbleWindow) format(b *strings.Builder) {
	openWindow(b, "TUMBLE", n.Time)
	writeArgs(b, n.Size)
}

func (n *HopWindow) format(b *strings.Builder) {
	openWindow(b, "HOP", n.Time)
	writeArgs(b, n.Size, n.Slide)
}

func (n *SlideWindow) format(b *strings.Builder) {
	openWindow(b, "SLIDE", n.Time)
	if n.Rows != nil {
		b.WriteString("ROWS ")
		writeArgs(b, n.Rows)
		return
	}
	writeArgs(b, n.Range)
}

func (n *SessionWindow) format(b *strings.Builder) {
	openWindow(b, "SESSION", n.Time)
	if n.MaxLength != nil {
		writeArgs(b, n.Gap, n.MaxLength)
		return
	}
	writeArgs(b, n.Gap)
}

func (n *CountWindow) format(b *strings.Builder) {
	openWindow(b, "COUNTWINDOW", nil)
	if n.Slide != nil {
		writeArgs(b, n.Size, n.Slide)
		return
	}
	writeArgs(b, n.Size)
}

func (n *Select) String() string        { return render(n) }
func (n *SelectItem) String() string    { return render(n) }
func (n *SourceRef) String() string     { return render(n) }
func (n *Join) String() string          { return render(n) }
func (n *OrderItem) String() string     { return render(n) }
func (n *Emit) String() string          { return render(n) }
func (n *TumbleWindow) String() string  { return render(n) }
func (n *HopWindow) String() string     { return render(n) }
func (n *SlideWindow) String() string   { return render(n) }
func (n *SessionWindow) String() string { return render(n) }
func (n *CountWindow) String() string   { return render(n) }
