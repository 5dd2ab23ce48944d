package ast

import (
	"strings"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// CreateStream is CREATE STREAM Name [(Columns)] [WITH (Options)]: a declared view of a
// stored stream, giving its columns types, an event-time column and a format. Without
// columns the stream stays schemaless (every top-level JSON field is a column).
type CreateStream struct {
	At      lexer.Pos
	Name    *Ident
	Columns []*ColumnDef
	Options []*Option
}

// CreateTable is CREATE TABLE Name [(Columns)] WITH (Options): a lookup table for joins,
// loaded from a file (file = '…') or kept as the latest row per key of a stream
// (source = '…', key = '…').
type CreateTable struct {
	At      lexer.Pos
	Name    *Ident
	Columns []*ColumnDef
	Options []*Option
}

// ColumnDef is one declared column. The parser has refused a name declared twice.
type ColumnDef struct {
	Name *Ident
	Type Type
}

// Option is one name = value entry of a WITH list. Name is lower-cased (option names are
// case-insensitive); Value is a literal: *StringLit, *IntegerLit, *FloatLit, *BoolLit,
// *Interval or *TimestampLit. Which names exist and what their values mean is the planner's
// business; the parser has refused a name given twice.
type Option struct {
	Name  *Ident
	Value Expr
}

// CreateQuery is CREATE QUERY Name AS INSERT INTO Into Select: a continuous query whose
// rows are written to the stream Into.
type CreateQuery struct {
	At     lexer.Pos
	Name   *Ident
	Into   *Ident
	Select *Select
}

// ObjectKind is what a DROP removes.
type ObjectKind uint8

// The kinds of object.
const (
	StreamObject ObjectKind = iota + 1
	TableObject
	QueryObject
)

// String is the kind's keyword.
func (k ObjectKind) String() string {
	switch k {
	case StreamObject:
		return "STREAM"
	case TableObject:
		return "TABLE"
	case QueryObject:
		return "QUERY"
	}
	return "INVALID OBJECT"
}

// Drop is DROP STREAM|TABLE|QUERY Name.
type Drop struct {
	At     lexer.Pos
	Object ObjectKind
	Name   *Ident
}

// Script is a list of statements, as separated by ';' in the text.
type Script []Statement

// String prints each statement followed by ";" on its own line.
func (s Script) String() string {
	var b strings.Builder
	for _, st := range s {
		st.format(&b)
		b.WriteString(";\n")
	}
	return b.String()
}

func (*CreateStream) statementNode() {}
func (*CreateTable) statementNode()  {}
func (*CreateQuery) statementNode()  {}
func (*Drop) statementNode()         {}

func (n *CreateStream) Pos() lexer.Pos { return n.At }
func (n *CreateTable) Pos() lexer.Pos  { return n.At }
func (n *ColumnDef) Pos() lexer.Pos    { return n.Name.At }
func (n *Option) Pos() lexer.Pos       { return n.Name.At }
func (n *CreateQuery) Pos() lexer.Pos  { return n.At }
func (n *Drop) Pos() lexer.Pos         { return n.At }
