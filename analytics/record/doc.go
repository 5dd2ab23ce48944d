// Package record turns stored records into rows and result rows into records.
//
// A Decoder reads the data of one record (a JSON object, or a CSV line) into a row holding
// just the columns a caller asked for, in the order asked, plus any system columns from the
// record's Meta. It decodes each record once: the runtime gives one decoder the union of the
// columns that all queries on a stream use, and each query reads its slots of that row. A
// JSON member that no query uses is checked for syntax but never built.
//
// Declared columns are converted to their type as CAST does (value.Cast): a number for a
// DOUBLE, an RFC 3339 string or a Unix time of any unit for a TIMESTAMP, and so on. A value
// that does not convert is NULL and counted in Mismatches, so that one bad reading neither
// stops a query nor vanishes unnoticed. A record that is not valid JSON, not an object, or a
// malformed CSV line is an error: the caller counts and skips it.
//
// CSV: one record is one line of fields separated by the source's delimiter, in the order
// of the declared columns; a field may be quoted with ", a quote inside written twice. An
// empty unquoted field is NULL, an empty quoted one ("") the empty string (as PostgreSQL's
// COPY does). Missing trailing fields are NULL; extra fields are an error. A CSV file whose
// first line names its columns is read by handing that line to Header first.
//
// AppendJSON writes a result row as a JSON object, the form results take in a stream.
package record
