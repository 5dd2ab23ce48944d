package awsjson

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
)

// Request ids look like AWS's (UUIDs): a random prefix drawn once per
// process and a counter. Both are package-level on purpose: an id must be
// unique across every service in the process, and a per-Service counter
// would repeat ids between the Kinesis and Firehose APIs of one gateway.
var (
	requestPrefix = func() string {
		var b [10]byte
		rand.Read(b[:])
		h := hex.EncodeToString(b[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-"
	}()
	requestSeq atomic.Uint64
)

func requestID() string {
	var b [12]byte
	n := requestSeq.Add(1)
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[n&15]
		n >>= 4
	}
	return requestPrefix + string(b[:])
}
