package kinesis

import (
	"fmt"
	"unicode/utf8"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/putrecords"
)

// Kinesis Data Streams limits (a stream left at the default maximum record
// size). Kinesis counts a record as its data plus its partition key's UTF-8
// bytes, both for the record limit and for the request limit.
const (
	maxCallRecords = 500
	maxCallBytes   = 5 << 20
	maxRecordBytes = 1 << 20
	maxKeyChars    = 256
)

// Codes of the records Send refuses before sending them.
const (
	CodeRecordTooLarge      = "RecordTooLarge"
	CodeInvalidPartitionKey = "InvalidPartitionKey"
)

// plan is how one batch goes out: the PutRecords calls in order, each a
// list of indices into Batch.Records, and the records that Kinesis would
// refuse, which are never sent.
type plan struct {
	calls   [][]int
	refused []uplink.RecordError
}

// makePlan packs records, in their order, into calls that stay within
// the per-call limits.
func makePlan(recs []uplink.Record) plan {
	lim := putrecords.Limits{Records: maxCallRecords, Bytes: maxCallBytes}
	calls, refused := putrecords.Split(recs, lim, recordSize, checkRecord)
	return plan{calls: calls, refused: refused}
}

func recordSize(r uplink.Record) int { return len(r.Data) + len(r.PartitionKey) }

// checkRecord says why Kinesis would refuse r, or nil.
func checkRecord(i int, r uplink.Record) *uplink.RecordError {
	switch n := utf8.RuneCountInString(r.PartitionKey); {
	case !utf8.ValidString(r.PartitionKey):
		// JSON would carry it as U+FFFD, a different key on another shard.
		return &uplink.RecordError{Index: i, Code: CodeInvalidPartitionKey,
			Message: "kinesis: partition key is not valid UTF-8"}
	case n == 0:
		return &uplink.RecordError{Index: i, Code: CodeInvalidPartitionKey,
			Message: "kinesis: the record has no partition key"}
	case n > maxKeyChars:
		return &uplink.RecordError{Index: i, Code: CodeInvalidPartitionKey,
			Message: fmt.Sprintf("kinesis: partition key of %d characters; at most %d", n, maxKeyChars)}
	}
	if n := recordSize(r); n > maxRecordBytes {
		return &uplink.RecordError{Index: i, Code: CodeRecordTooLarge,
			Message: fmt.Sprintf("kinesis: record of %d bytes with its partition key; at most %d", n, maxRecordBytes)}
	}
	return nil
}
