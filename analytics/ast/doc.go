// Package ast is the syntax tree of Tidegate's SQL: what package parser builds and what the
// planner checks and compiles. Every node knows where it was written (Pos) and prints itself
// back as canonical SQL (String), so that parse → print → parse gives an equal tree.
//
// # Shape
//
// A script (Script) is a list of Statements:
//
//	*CreateStream   CREATE STREAM name [(col type, …)] [WITH (opt = literal, …)]
//	*CreateTable    CREATE TABLE name [(col type, …)] [WITH (opt = literal, …)]
//	*CreateQuery    CREATE QUERY name AS INSERT INTO stream <*Select>
//	*Drop           DROP STREAM|TABLE|QUERY name
//	*Select         an ad-hoc query
//
// A *Select holds Items (*SelectItem: an Expr, maybe a *Star, and an alias), From (a Source:
// *SourceRef, or *Join nesting to the left), Where, GroupBy (the keys) and Window (the one
// window of the GROUP BY, apart from the keys), Having, OrderBy, Limit, Emit and LateInto.
//
// Windows are *TumbleWindow, *HopWindow, *SlideWindow, *SessionWindow and *CountWindow. Their
// sizes are literals (*Interval, or *IntegerLit row counts), so that the planner can bound
// a query's state when it is created; their Time expression is nil when not written (the
// source's own time).
//
// Expressions (Expr) are names (*Ident), literals (*IntegerLit, *FloatLit, *StringLit,
// *BoolLit, *NullLit, *TimestampLit, *Interval), operators (*Binary, *Unary, *IsNull, *In,
// *Between, *Like), *Case, *Cast, function calls (*Call: scalar, aggregate and stateful
// functions alike — the planner tells them apart by name), and access into JSON values
// (*Dot for a.b, *Index for a['k'] and a[0]). There are no parenthesis nodes: the printer
// adds parentheses where precedence needs them (Precedence, the Prec* levels).
//
// # What the parser guarantees, and what it leaves to the planner
//
// The parser has checked syntax and the form of literals: intervals and timestamps are
// well-formed (Interval.Duration is computed), numbers fit their type, a window's sizes are
// literals of the right kind, names are not declared twice in one column or option list,
// EMIT LATE INTO appears only in a CREATE QUERY. It has not checked meaning: which option
// names exist and what their values must be, whether columns and functions exist, types,
// aggregates out of place, that sizes are positive and a hop's slide at most its size, that
// a stream–stream join has a time bound, that state is bounded. Those are the planner's,
// and every node's Pos lets its errors point at the spot (lexer.Pos.Excerpt).
//
// # Equality
//
// Two expressions are the same expression exactly when their String forms are equal: the
// printed form is canonical (keywords upper case, names quoted only when needed, function
// names upper case, one spelling per operator and type). The planner can use it to match a
// select item against a GROUP BY key.
package ast
