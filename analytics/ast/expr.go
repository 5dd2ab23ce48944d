package ast

import "github.com/tidegate/tidegate/analytics/lexer"

// Ident is a name: a column, a stream, table or query, an alias, an option. Names are
// case-sensitive; the printer quotes them only when they need it.
//
// As an expression, a bare Ident is a column. a.b parses as Dot{X: Ident a, Name: b}:
// whether a is a source's alias (a qualified column) or a JSON column (a member of it) is
// for the planner to decide, which knows the sources.
type Ident struct {
	At   lexer.Pos
	Name string
}

// Star is * in a select list, or t.* with Table set.
type Star struct {
	At    lexer.Pos
	Table *Ident
}

// BinaryOp is an infix operator.
type BinaryOp uint8

// The infix operators, by precedence group (see Precedence).
const (
	OpOr BinaryOp = iota + 1
	OpAnd
	OpEq // = (no ==)
	OpNe // <> or !=
	OpLt
	OpLe
	OpGt
	OpGe
	OpConcat // ||
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
)

// Binary is L Op R. At is the operator's position.
type Binary struct {
	At   lexer.Pos
	Op   BinaryOp
	L, R Expr
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// The prefix operators.
const (
	OpNot UnaryOp = iota + 1
	OpNeg         // -x; a minus directly before a number is part of the literal instead
)

// Unary is Op X.
type Unary struct {
	At lexer.Pos
	Op UnaryOp
	X  Expr
}

// IsNull is X IS NULL, or X IS NOT NULL when Not. At is the IS.
type IsNull struct {
	At  lexer.Pos
	X   Expr
	Not bool
}

// In is X [NOT] IN (List…), List non-empty. At is the IN (or the NOT before it).
type In struct {
	At   lexer.Pos
	X    Expr
	Not  bool
	List []Expr
}

// Between is X [NOT] BETWEEN Lo AND Hi, bounds included. At is the BETWEEN (or its NOT).
//
// In the ON clause of a stream–stream join, a.ts BETWEEN b.ts - INTERVAL … AND b.ts +
// INTERVAL … is the time bound that keeps the join's state finite.
type Between struct {
	At     lexer.Pos
	X      Expr
	Not    bool
	Lo, Hi Expr
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape]: % matches any run of characters, _ any one
// character, and the escape character (none when Escape is nil) makes the next one literal.
// At is the LIKE (or its NOT).
type Like struct {
	At      lexer.Pos
	X       Expr
	Not     bool
	Pattern Expr
	Escape  Expr
}

// Case is CASE [Operand] WHEN … THEN … [ELSE Else] END. With an Operand it is the simple
// form (each When.Cond is compared with Operand), without, the searched form (each
// When.Cond is a condition). Whens is non-empty; Else is nil when absent (NULL).
type Case struct {
	At      lexer.Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN Cond THEN Result arm of a Case.
type When struct {
	At     lexer.Pos
	Cond   Expr
	Result Expr
}

// Cast is CAST(X AS Type), also written X::Type.
type Cast struct {
	At   lexer.Pos
	X    Expr
	Type Type
}

// Call is a function call: scalar (ROUND(x, 2)), aggregate (AVG(x), COUNT(*),
// COUNT(DISTINCT x), PERCENTILE(x, 0.95)) or stateful (LAG(x, 1), LATEST(x), CHANGED(x)).
// Name is upper-cased: function names are case-insensitive. Which names exist and what they
// take is the planner's business; the parser only refuses window names here (TUMBLE, …),
// which belong in GROUP BY.
type Call struct {
	At       lexer.Pos
	Name     string
	Distinct bool // COUNT(DISTINCT x)
	Star     bool // COUNT(*); Args is then empty
	Args     []Expr
}

// Dot is X.Name: a member of a JSON object, or a column qualified by a source (see Ident).
// At is the dot.
type Dot struct {
	At   lexer.Pos
	X    Expr
	Name *Ident
}

// Index is X[Index]: an element of a JSON array (an integer) or a member of a JSON object
// (a string, for keys that are no identifiers: a['max temp']). At is the '['.
type Index struct {
	At    lexer.Pos
	X     Expr
	Index Expr
}

func (*Ident) exprNode()   {}
func (*Star) exprNode()    {}
func (*Binary) exprNode()  {}
func (*Unary) exprNode()   {}
func (*IsNull) exprNode()  {}
func (*In) exprNode()      {}
func (*Between) exprNode() {}
func (*Like) exprNode()    {}
func (*Case) exprNode()    {}
func (*Cast) exprNode()    {}
func (*Call) exprNode()    {}
func (*Dot) exprNode()     {}
func (*Index) exprNode()   {}

func (n *Ident) Pos() lexer.Pos   { return n.At }
func (n *Star) Pos() lexer.Pos    { return n.At }
func (n *Binary) Pos() lexer.Pos  { return n.At }
func (n *Unary) Pos() lexer.Pos   { return n.At }
func (n *IsNull) Pos() lexer.Pos  { return n.At }
func (n *In) Pos() lexer.Pos      { return n.At }
func (n *Between) Pos() lexer.Pos { return n.At }
func (n *Like) Pos() lexer.Pos    { return n.At }
func (n *Case) Pos() lexer.Pos    { return n.At }
func (n *When) Pos() lexer.Pos    { return n.At }
func (n *Cast) Pos() lexer.Pos    { return n.At }
func (n *Call) Pos() lexer.Pos    { return n.At }
func (n *Dot) Pos() lexer.Pos     { return n.At }
func (n *Index) Pos() lexer.Pos   { return n.At }
