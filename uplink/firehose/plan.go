package firehose

import (
	"fmt"

	"github.com/tidegate/tidegate/uplink"
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
	var p plan
	var call []int
	size := 0
	for i, r := range recs {
		n := len(r.Data)
		if n > maxRecordBytes {
			p.refused = append(p.refused, uplink.RecordError{Index: i, Code: CodeRecordTooLarge,
				Message: fmt.Sprintf("firehose: record of %d bytes; at most %d", n, maxRecordBytes)})
			continue
		}
		if len(call) == maxCallRecords || (len(call) > 0 && size+n > maxCallBytes) {
			p.calls = append(p.calls, call)
			call, size = nil, 0
		}
		call = append(call, i)
		size += n
	}
	if len(call) > 0 {
		p.calls = append(p.calls, call)
	}
	return p
}
