// Package schema describes what a query reads: streams and tables, their columns and types,
// the format of their records, their event time, and the system columns every stream record
// carries. The planner builds a Source from CREATE STREAM or CREATE TABLE (checking every
// option with its position) and finds the sources a query names through a Catalog; the
// record decoder reads records by a Source.
//
// A declared source has typed columns. A schemaless one (a stream queried by its name with
// no declaration, or declared without a column list) has a column for each top-level member
// of its JSON records, of type JSON: its kind is known only per record.
//
// System columns. Every stream record has, besides its data:
//
//	_arrival  TIMESTAMP  when the gateway stored it (the processing time)
//	_key      STRING     its partition key (for a device reading, the device id)
//	_seq      STRING     its sequence number (56 digits; orders the records of a shard)
//	_shard    STRING     its shard (shardId-000000000001)
//	_record   JSON       the whole record, decoded (SELECT * of a schemaless stream)
//
// The leading underscore keeps them apart from declared columns, whose names may not start
// with one. In a schemaless stream a member named like a system column is hidden by it; reach
// it through _record (_record._key).
package schema
