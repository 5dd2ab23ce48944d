package ast

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidegate/tidegate/analytics/lexer"
)

// The precedence levels of expressions, loosest first. The parser climbs them and the
// printer parenthesizes by them, so that what is printed parses back to the same tree.
const (
	PrecOr      = iota + 1
	PrecAnd     // AND
	PrecNot     // NOT x
	PrecCompare // = <> < <= > >=, IS [NOT] NULL, [NOT] IN, [NOT] BETWEEN, [NOT] LIKE
	PrecConcat  // ||
	PrecAdd     // + -
	PrecMul     // * / %
	PrecUnary   // -x
	PrecPostfix // x.name, x[i], x::type
	PrecPrimary // names, literals, calls, CASE, CAST, parentheses
)

// Precedence is the binding strength of an infix operator; all are left-associative.
func (op BinaryOp) Precedence() int {
	switch op {
	case OpOr:
		return PrecOr
	case OpAnd:
		return PrecAnd
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return PrecCompare
	case OpConcat:
		return PrecConcat
	case OpAdd, OpSub:
		return PrecAdd
	}
	return PrecMul
}

// String is the operator as printed.
func (op BinaryOp) String() string {
	switch op {
	case OpOr:
		return "OR"
	case OpAnd:
		return "AND"
	case OpEq:
		return "="
	case OpNe:
		return "<>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpConcat:
		return "||"
	case OpAdd:
		return "+"
	case OpSub:
		return "-"
	case OpMul:
		return "*"
	case OpDiv:
		return "/"
	case OpMod:
		return "%"
	}
	return "?"
}

// Precedence is the level at which e binds: an operand of looser precedence than its
// place requires is printed in parentheses.
func Precedence(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return e.Op.Precedence()
	case *Unary:
		if e.Op == OpNot {
			return PrecNot
		}
		return PrecUnary
	case *IsNull, *In, *Between, *Like:
		return PrecCompare
	case *Dot, *Index:
		return PrecPostfix
	case *IntegerLit:
		if e.Value < 0 {
			return PrecUnary
		}
	case *FloatLit:
		if math.Signbit(e.Value) {
			return PrecUnary
		}
	}
	return PrecPrimary
}

// writeExpr prints e, in parentheses when it binds looser than min.
func writeExpr(b *strings.Builder, e Expr, min int) {
	if Precedence(e) < min {
		b.WriteByte('(')
		e.format(b)
		b.WriteByte(')')
		return
	}
	e.format(b)
}

// writeList prints full expressions separated by ", ".
func writeList(b *strings.Builder, list []Expr) {
	for i, e := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		e.format(b)
	}
}

func (n *Ident) format(b *strings.Builder) { b.WriteString(lexer.QuoteIdent(n.Name)) }

func (n *Star) format(b *strings.Builder) {
	if n.Table != nil {
		n.Table.format(b)
		b.WriteByte('.')
	}
	b.WriteByte('*')
}

func (n *IntegerLit) format(b *strings.Builder) { b.WriteString(strconv.FormatInt(n.Value, 10)) }

// format writes the shortest text that reads back as the same float, with a fraction or
// an exponent so that it does not read back as an integer.
func (n *FloatLit) format(b *strings.Builder) {
	s := strconv.FormatFloat(n.Value, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	b.WriteString(s)
}

func (n *StringLit) format(b *strings.Builder) { b.WriteString(lexer.QuoteString(n.Value)) }

func (n *BoolLit) format(b *strings.Builder) {
	if n.Value {
		b.WriteString("TRUE")
	} else {
		b.WriteString("FALSE")
	}
}

func (n *NullLit) format(b *strings.Builder) { b.WriteString("NULL") }

func (n *TimestampLit) format(b *strings.Builder) {
	b.WriteString("TIMESTAMP ")
	b.WriteString(lexer.QuoteString(n.Text))
}

func (n *Interval) format(b *strings.Builder) {
	b.WriteString("INTERVAL ")
	b.WriteString(lexer.QuoteString(n.Text))
	if n.Unit != NoUnit {
		b.WriteByte(' ')
		b.WriteString(n.Unit.String())
	}
}

func (n *Binary) format(b *strings.Builder) {
	p := n.Op.Precedence()
	writeExpr(b, n.L, p)
	b.WriteByte(' ')
	b.WriteString(n.Op.String())
	b.WriteByte(' ')
	writeExpr(b, n.R, p+1)
}

func (n *Unary) format(b *strings.Builder) {
	if n.Op == OpNot {
		b.WriteString("NOT ")
		writeExpr(b, n.X, PrecNot)
		return
	}
	b.WriteByte('-')
	// A number right after the minus would read back as a negative literal, and a second
	// minus as the start of a comment.
	switch x := n.X.(type) {
	case *IntegerLit, *FloatLit:
		writeExpr(b, x, PrecPrimary+1)
	case *Unary:
		writeExpr(b, x, PrecPrimary+1)
	default:
		writeExpr(b, x, PrecUnary)
	}
}

func writeNot(b *strings.Builder, not bool) {
	if not {
		b.WriteString(" NOT")
	}
}

func (n *IsNull) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecCompare)
	b.WriteString(" IS")
	writeNot(b, n.Not)
	b.WriteString(" NULL")
}

func (n *In) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecCompare)
	writeNot(b, n.Not)
	b.WriteString(" IN (")
	writeList(b, n.List)
	b.WriteByte(')')
}

func (n *Between) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecCompare)
	writeNot(b, n.Not)
	b.WriteString(" BETWEEN ")
	writeExpr(b, n.Lo, PrecConcat)
	b.WriteString(" AND ")
	writeExpr(b, n.Hi, PrecConcat)
}

func (n *Like) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecCompare)
	writeNot(b, n.Not)
	b.WriteString(" LIKE ")
	writeExpr(b, n.Pattern, PrecConcat)
	if n.Escape != nil {
		b.WriteString(" ESCAPE ")
		writeExpr(b, n.Escape, PrecConcat)
	}
}

func (n *Case) format(b *strings.Builder) {
	b.WriteString("CASE")
	if n.Operand != nil {
		b.WriteByte(' ')
		n.Operand.format(b)
	}
	for _, w := range n.Whens {
		b.WriteByte(' ')
		w.format(b)
	}
	if n.Else != nil {
		b.WriteString(" ELSE ")
		n.Else.format(b)
	}
	b.WriteString(" END")
}

func (n *When) format(b *strings.Builder) {
	b.WriteString("WHEN ")
	n.Cond.format(b)
	b.WriteString(" THEN ")
	n.Result.format(b)
}

func (n *Cast) format(b *strings.Builder) {
	b.WriteString("CAST(")
	n.X.format(b)
	b.WriteString(" AS ")
	b.WriteString(n.Type.String())
	b.WriteByte(')')
}

func (n *Call) format(b *strings.Builder) {
	b.WriteString(lexer.QuoteIdent(n.Name))
	b.WriteByte('(')
	if n.Distinct {
		b.WriteString("DISTINCT ")
	}
	if n.Star {
		b.WriteByte('*')
	}
	writeList(b, n.Args)
	b.WriteByte(')')
}

func (n *Dot) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecPostfix)
	b.WriteByte('.')
	n.Name.format(b)
}

func (n *Index) format(b *strings.Builder) {
	writeExpr(b, n.X, PrecPostfix)
	b.WriteByte('[')
	n.Index.format(b)
	b.WriteByte(']')
}

func (n *Ident) String() string        { return render(n) }
func (n *Star) String() string         { return render(n) }
func (n *IntegerLit) String() string   { return render(n) }
func (n *FloatLit) String() string     { return render(n) }
func (n *StringLit) String() string    { return render(n) }
func (n *BoolLit) String() string      { return render(n) }
func (n *NullLit) String() string      { return render(n) }
func (n *TimestampLit) String() string { return render(n) }
func (n *Interval) String() string     { return render(n) }
func (n *Binary) String() string       { return render(n) }
func (n *Unary) String() string        { return render(n) }
func (n *IsNull) String() string       { return render(n) }
func (n *In) String() string           { return render(n) }
func (n *Between) String() string      { return render(n) }
func (n *Like) String() string         { return render(n) }
func (n *Case) String() string         { return render(n) }
func (n *When) String() string         { return render(n) }
func (n *Cast) String() string         { return render(n) }
func (n *Call) String() string         { return render(n) }
func (n *Dot) String() string          { return render(n) }
func (n *Index) String() string        { return render(n) }
