// Package batch runs a planned query once over finite inputs: an ad-hoc SELECT over what
// the streams retain, and the reference runs of the differential tests. The continuous
// operators (windows over watermarks, emit policies, joins over time) are another
// package's; this one runs what a finite input allows: filters, projections, GROUP BY with
// or without TUMBLE and HOP windows, HAVING, ORDER BY and LIMIT, lookups of tables,
// and the stateful functions stepped per partition key in input order.
//
// Rows stream: a stateless query decodes, filters and projects one record at a time and
// hands each result row to the sink, stopping at LIMIT; memory is one row. A grouped query
// keeps one group per key (and window) — at most Limits.MaxGroups, beyond which Run fails
// with ErrLimit rather than grow; ORDER BY with LIMIT n keeps the best n rows in a heap;
// ORDER BY without LIMIT buffers at most Limits.MaxRows rows. Tables joined are loaded
// first, at most Limits.MaxRows rows. Run checks its context every few hundred rows, so a
// closed request or Ctrl-C stops a long query promptly.
//
// A record that does not decode (not JSON, a bad CSV line) is skipped and counted in
// Stats, as the continuous operators do. A row whose time is NULL (an event-time column
// missing or unreadable) is counted too: a window leaves it out, stateful functions give it
// NULL without stepping, and everything else treats it as any row.
//
// Not run here (Run returns ErrUnsupported): SESSION, SLIDE and COUNTWINDOW windows and
// joins of two streams, which need the operators' event-time machinery.
package batch
