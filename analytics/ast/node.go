package ast

import (
	"strings"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// Node is any piece of the tree. Pos is where it starts in the SQL text, or for an
// operator node (Binary, IsNull, In, Between, Like, Dot, Index) where its operator is, the
// spot an error about it should point at. String prints it back as canonical SQL.
type Node interface {
	Pos() lexer.Pos
	String() string
	format(b *strings.Builder)
}

// Expr is a value expression.
type Expr interface {
	Node
	exprNode()
}

// Statement is one statement of a script: *CreateStream, *CreateTable, *CreateQuery,
// *Drop or *Select (an ad-hoc query).
type Statement interface {
	Node
	statementNode()
}

// Source is what a FROM clause reads: a *SourceRef, or a *Join of sources.
type Source interface {
	Node
	sourceNode()
}

// Window is the window of a GROUP BY: *TumbleWindow, *HopWindow, *SlideWindow,
// *SessionWindow or *CountWindow.
type Window interface {
	Node
	windowNode()
}

// render renders any node with its format method.
func render(n Node) string {
	var b strings.Builder
	n.format(&b)
	return b.String()
}
