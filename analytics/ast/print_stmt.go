package ast

import "strings"

func (n *CreateStream) format(b *strings.Builder) {
	b.WriteString("CREATE STREAM ")
	writeSourceDef(b, n.Name, n.Columns, n.Options)
}

func (n *CreateTable) format(b *strings.Builder) {
	b.WriteString("CREATE TABLE ")
	writeSourceDef(b, n.Name, n.Columns, n.Options)
}

// writeSourceDef prints the part CREATE STREAM and CREATE TABLE share:
// name [(columns)] [WITH (options)].
func writeSourceDef(b *strings.Builder, name *Ident, cols []*ColumnDef, opts []*Option) {
	name.format(b)
	for i, c := range cols {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		c.format(b)
	}
	if len(cols) > 0 {
		b.WriteByte(')')
	}
	for i, o := range opts {
		if i == 0 {
			b.WriteString(" WITH (")
		} else {
			b.WriteString(", ")
		}
		o.format(b)
	}
	if len(opts) > 0 {
		b.WriteByte(')')
	}
}

func (n *ColumnDef) format(b *strings.Builder) {
	n.Name.format(b)
	b.WriteByte(' ')
	b.WriteString(n.Type.String())
}

func (n *Option) format(b *strings.Builder) {
	n.Name.format(b)
	b.WriteString(" = ")
	n.Value.format(b)
}

func (n *CreateQuery) format(b *strings.Builder) {
	b.WriteString("CREATE QUERY ")
	n.Name.format(b)
	b.WriteString(" AS INSERT INTO ")
	n.Into.format(b)
	b.WriteByte(' ')
	n.Select.format(b)
}

func (n *Drop) format(b *strings.Builder) {
	b.WriteString("DROP ")
	b.WriteString(n.Object.String())
	b.WriteByte(' ')
	n.Name.format(b)
}

func (n *CreateStream) String() string { return render(n) }
func (n *CreateTable) String() string  { return render(n) }
func (n *ColumnDef) String() string    { return render(n) }
func (n *Option) String() string       { return render(n) }
func (n *CreateQuery) String() string  { return render(n) }
func (n *Drop) String() string         { return render(n) }
