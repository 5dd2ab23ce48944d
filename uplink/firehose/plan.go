package firehose

import (
	"fmt"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/putrecords"
)

// Amazon Data Firehose PutRecordBatch limits, on the data before base64.
const (
	maxCallRecords = 500
	maxCallBytes   = 4 << 20
	maxRecordBytes = 1000 << 10
)

// CodeRecordTooLarge is the code of a record Send refuses before sending
// it: Firehose would fail the whole call over it.
const CodeRecordTooLarge = "RecordTooLarge"

// plan is how one batch goes out: the PutRecordBatch calls in order, each a
// list of indices into Batch.Records, and the records that Firehose would
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

// recordSize is what Firehose counts of a record: its data, before base64.
func recordSize(r uplink.Record) int { return len(r.Data) }

// checkRecord says why Firehose would refuse r, or nil.
func checkRecord(i int, r uplink.Record) *uplink.RecordError {
	if n := recordSize(r); n > maxRecordBytes {
		return &uplink.RecordError{Index: i, Code: CodeRecordTooLarge,
			Message: fmt.Sprintf("firehose: record of %d bytes; at most %d", n, maxRecordBytes)}
	}
	return nil
}
