// Package function is the library of scalar and per-key stateful SQL functions: each is
// one registration — name, arity, a type rule, an implementation — in a Registry that the
// compiler (analytics/eval) consults. Aggregates live in analytics/aggregate.
//
// Type rules run when a query is created: Check sees each argument's type and, for
// constant arguments, its value, so that a bad unit name ('hours' for DATE_TRUNC) or a
// bad regular expression is refused with the argument's position before any row runs.
// A JSON argument (a value whose kind is known only per row) fits any rule; the function
// then returns NULL for a row whose value does not fit. The result type a rule gives is a
// promise the implementation keeps: every value returned is of that type or NULL
// (JSON-typed results may be of any kind).
//
// Strict functions (most) are not called when an argument is NULL: the result is NULL.
// NullSafe ones (COALESCE, CONCAT, IF…) see the NULLs. Domain errors — the square root of
// a negative number, division by zero, a substring of negative length — give NULL rather
// than stopping a continuous query on one bad row.
//
// Stateful functions (LAG, LATEST, CHANGED, ANOMALY_SCORE) compute a row's value from the
// earlier rows of the same partition key. Their state lives in a State per key, created by
// the registration and advanced by the operator (or the batch executor) once per row in
// time order; each takes a time limit, after which a silent key's state may be dropped, so
// that their memory is bounded by the keys active within the limit.
//
// The registry is built per planner (Builtins), not held in a package variable.
package function
