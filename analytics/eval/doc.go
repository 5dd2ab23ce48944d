// Package eval compiles expressions of the syntax tree into evaluators: trees of Go
// closures over the slots of a row, type-checked once when a query is created and then run
// for every row. It is the engine's hot path.
//
// Compile walks an ast.Expr bottom-up. At each node it first asks the Scope, which knows
// what the row holds: a column (by name, or qualified by a source), and in the stages after
// grouping, whole expressions — a group key, an aggregate, window_start — that the
// planner has put in slots. What the scope does not claim is compiled here: literals,
// operators, CASE, CAST, calls of scalar functions (analytics/function), and access into
// JSON values (a.b, a['k'], a[0]). Type errors are reported with the position of the
// offending node as an *Error, and the types follow docs/sql.md: numeric promotion of
// BIGINT with DOUBLE, timestamp and interval arithmetic, a string literal compared with a
// TIMESTAMP read as a timestamp, JSON (known only per row) accepted wherever a type is
// expected and checked per row, yielding NULL when a row's value does not fit.
//
// Compiling folds constants (an operator or a function whose operands are all constant
// is computed once, NOW excepted), compiles a constant LIKE pattern and IN list once (a
// hash set for long lists), and specialises comparisons of a column with a constant, so
// that a filter costs a slot read and a compare, with no allocation.
//
// Three-valued logic: a comparison with NULL is NULL, AND is FALSE if either side is FALSE
// and NULL if either is NULL otherwise, OR the dual; WHERE keeps a row only when its
// condition is TRUE.
//
// Evaluation errors do not exist: what SQL engines report at run time — division by zero,
// an overflowing BIGINT, a CAST of 'abc' to BIGINT, a JSON value of the wrong kind — gives
// NULL, so that one bad row cannot stop a continuous query.
//
// An Expr is immutable and may be evaluated from many goroutines, each with its own Env
// (which carries the row, the time for NOW(), and scratch space for function arguments).
package eval
