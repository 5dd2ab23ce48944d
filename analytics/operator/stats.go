package operator

// Stats are what a runner counted. Every row that does not end in a result is in one of
// them: a late row is written to the late stream or counted dropped, never lost unseen.
type Stats struct {
	RowsIn  int64 // rows pushed (every input) and decoded
	RowsOut int64 // result rows emitted
	Skipped int64 // records that did not decode (and lines of table files)
	// Mismatches counts values that did not convert to their column's type (NULL instead).
	Mismatches int64
	// NoTime counts rows without a time (or one beyond 146 years of 1970): in no window,
	// stateful functions NULL, joined with nothing.
	NoTime int64

	Late        int64 // rows too late for their windows, written to the EMIT LATE INTO stream
	LateDropped int64 // rows too late for their windows, dropped (no EMIT LATE INTO)
	PartlyLate  int64 // HOP rows too late for some of their windows, taken by the others
	JoinLate    int64 // rows older than their side's watermark for their join key, dropped

	Refused int64 // rows refused at a limit (groups per window, rows buffered)

	WindowsClosed  int64 // windows closed (a result written unless HAVING refused it)
	SessionsMerged int64 // sessions a row brought together
	IdleKeys       int64 // partition keys that went idle, closing their windows
	KeysEvicted    int64 // partition keys dropped past MaxKeys (their windows closed first)
	StatesExpired  int64 // partition keys whose stateful states passed their time limit
	GroupsEvicted  int64 // SLIDE groups dropped past MaxGroups (no row of theirs waiting)

	JoinKeysEvicted int64 // join keys dropped past MaxKeys, their rows with them
	JoinRowsEvicted int64 // rows dropped from a join's buffer past MaxRows
	IdleJoinKeys    int64 // join keys let go after the idle timeout
	TableEvicted    int64 // keys dropped from a table kept from a stream, past its max_keys
	TableNoKey      int64 // rows of a table kept from a stream with a NULL key, ignored
}
