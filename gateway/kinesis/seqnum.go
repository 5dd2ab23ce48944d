package kinesis

import (
	"strconv"
	"strings"
)

// The engine's sequence numbers, as docs/shards.md specifies them:
//
//	"49" | position (20 digits) | shard index (12 digits) | stream id (22 digits)
//
// where a position is the arrival time in Unix ms shifted left 21 bits, plus
// a counter. The API needs two things the engine does not export: the
// sequence number just before a cursor (SubscribeToShard's
// ContinuationSequenceNumber when no record has been sent yet) and the time
// a shard opened or closed (ListShards' timestamp filters).
const (
	seqLen      = 56
	counterBits = 21
)

// seqAt formats the sequence number of a position.
func seqAt(streamID int64, shard int, pos uint64) string {
	var b [seqLen]byte
	b[0], b[1] = '4', '9'
	putDigits(b[2:22], pos)
	putDigits(b[22:34], uint64(shard))
	putDigits(b[34:56], uint64(streamID))
	return string(b[:])
}

func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// seqMillis returns the arrival time (Unix ms) a sequence number encodes.
func seqMillis(seq string) (int64, bool) {
	if len(seq) != seqLen || !strings.HasPrefix(seq, "49") {
		return 0, false
	}
	pos, err := strconv.ParseUint(seq[2:22], 10, 64)
	if err != nil {
		return 0, false
	}
	return int64(pos >> counterBits), true
}

// shardIndex parses "shardId-000000000001" or, as Kinesis accepts, "1".
func shardIndex(id string) (int, bool) {
	num := strings.TrimPrefix(id, "shardId-")
	if num == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 31)
	return int(n), err == nil
}

// shardAfter reports whether shard id comes after shard after in listing
// order: by index when both parse, else as strings.
func shardAfter(id, after string) bool {
	i, ok1 := shardIndex(id)
	j, ok2 := shardIndex(after)
	if ok1 && ok2 {
		return i > j
	}
	return id > after
}
