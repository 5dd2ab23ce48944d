// Package aggregate holds the SQL aggregates as accumulators: a group's running state that
// takes rows (Add), combines with another group's state (Merge: two partial windows, two
// partitions), gives its result at any time (Result) and serialises for checkpoints
// (MarshalBinary/UnmarshalBinary). Where undoing a row is cheap (COUNT, SUM, AVG, the
// variances) the accumulator is also a Retractor, for sliding windows.
//
// Each aggregate is one registration in a Registry: name, arity, whether it takes * or
// DISTINCT, a type rule that reads constant parameters (PERCENTILE's p), a constructor,
// and MaxBytes, the most memory one group's state can take — the planner multiplies it
// by the groups a query may hold to bound the query's memory when it is created.
//
//	COUNT(*), COUNT(x)        rows; rows where x is not NULL
//	COUNT(DISTINCT x)         distinct values: exact up to 1,024, then HyperLogLog (±1.6%)
//	SUM(x), AVG(x)            NULLs ignored; SUM of BIGINT is BIGINT (NULL if it overflows)
//	MIN(x), MAX(x)            in the order of ORDER BY
//	FIRST(x), LAST(x)         the non-NULL x of the earliest / latest row (by row time)
//	STDDEV, STDDEV_SAMP, STDDEV_POP, VARIANCE, VAR_SAMP, VAR_POP
//	MEDIAN(x), PERCENTILE(x, p)
//	                          exact (interpolated as PERCENTILE_CONT) up to 1,024 values,
//	                          then a KLL sketch: the result's rank within ±1.7% of p
//
// Every aggregate ignores NULL inputs; over no (non-NULL) rows COUNT is 0 and the others
// NULL. Add takes the row's time (Unix nanoseconds), which FIRST and LAST order by, so
// that their results do not depend on the order rows arrive in.
package aggregate
