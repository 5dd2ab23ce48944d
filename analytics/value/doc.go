// Package value is the runtime representation of SQL values: what a decoded record holds,
// what compiled expressions compute and what accumulators keep.
//
// A Value is a small struct, not an interface: a kind byte, 64 bits of payload (a BIGINT,
// the bits of a DOUBLE, a BOOLEAN, a TIMESTAMP in Unix nanoseconds, an INTERVAL in
// nanoseconds), a string and a pointer for JSON objects and arrays. Passing one around boxes
// nothing and allocates nothing, so that a filter over a million rows a second spends its
// time comparing, not collecting garbage. The zero Value is NULL. A Row is a slice of
// Values addressed by slot: the planner gives every column and every intermediate result a
// slot, and compiled expressions read and write rows by index.
//
// Types and kinds. Type is what the planner knows about an expression before it runs:
// BOOLEAN, BIGINT, DOUBLE, STRING, TIMESTAMP, INTERVAL, JSON (any value, known only at run
// time: the columns of an undeclared stream and what a.b reaches inside a JSON value), and
// NULL for the literal NULL. Kind is what a Value holds at run time: the scalar kinds, and
// Object and Array for the composite JSON values.
//
// Comparison follows SQL: Compare reports "unknown" (ok false) when either side is NULL or
// the kinds cannot be compared (a string with a number), so that = and < give NULL there,
// the three-valued logic of WHERE. BIGINT and DOUBLE compare exactly, as numbers (9007199254740993
// is greater than 9007199254740992.0). Order is the total order used by ORDER BY and by
// MIN/MAX over JSON values: NULL first, then booleans, numbers, strings, timestamps,
// intervals, arrays and objects. Key encodes a value for grouping and DISTINCT, so that
// 1 and 1.0 fall into one group as they compare equal.
//
// JSON: ParseJSON reads any JSON text into a Value, and DecodeObject reads only the
// members of a top-level object that a caller wants — each record of a stream is decoded
// once, into just the columns its queries use. AppendJSON writes a value back. Numbers that
// are whole and fit a BIGINT become BIGINT, other numbers DOUBLE. The parser validates
// the whole text (skipped members included) exactly as encoding/json does, and agrees with
// it on every value (FuzzParseJSON).
//
// AppendBinary and ReadBinary give values a compact binary form, for checkpoints of
// operator state.
package value
