package shards

import (
	"fmt"
	"strconv"
	"time"
)

// A position is the engine's form of a sequence number within one shard:
// the arrival time in Unix milliseconds in the high 43 bits (good until the
// year 2248) and a counter in the low 21 bits. Because arrival time leads,
// positions sort by time and an AT_TIMESTAMP read is a seek, not a scan.
const (
	counterBits = 21
	counterMask = 1<<counterBits - 1
)

func posAt(ms int64) uint64 { return uint64(ms) << counterBits }

func posMillis(pos uint64) int64 { return int64(pos >> counterBits) }

func posTime(pos uint64) time.Time { return time.UnixMilli(posMillis(pos)) }

// Sequence numbers have the Kinesis shape: 56 decimal digits. Layout:
//
//	"49" | position (20 digits) | shard index (12 digits) | stream id (22 digits)
//
// Within a shard they are strictly increasing both as numbers and as
// strings. The stream id (its creation time in nanoseconds) makes a number
// from a deleted-and-recreated stream of the same name invalid here.
const seqLen = 56

func formatSeq(streamID int64, shard int, pos uint64) string {
	return seqSuffix(streamID, shard).format(pos)
}

// A seqFormatter formats the sequence numbers of one shard: the 34 digits
// after the position are the same for all of them, so a put of 500 records
// formats only their positions.
type seqFormatter [seqLen]byte

func seqSuffix(streamID int64, shard int) *seqFormatter {
	var f seqFormatter
	f[0], f[1] = '4', '9'
	putDigits(f[22:34], uint64(shard))
	putDigits(f[34:56], uint64(streamID))
	return &f
}

func (f *seqFormatter) format(pos uint64) string {
	b := *f
	putDigits(b[2:22], pos)
	return string(b[:])
}

// formatInto writes the sequence number of pos into dst[:seqLen].
func (f *seqFormatter) formatInto(dst []byte, pos uint64) {
	copy(dst, f[:])
	putDigits(dst[2:22], pos)
}

// putDigits writes v zero-padded into dst, two digits per division.
func putDigits(dst []byte, v uint64) {
	i := len(dst)
	for i >= 2 && v > 0 {
		q := v / 100
		d := (v - q*100) * 2
		dst[i-1], dst[i-2] = digitPairs[d+1], digitPairs[d]
		v = q
		i -= 2
	}
	for i > 0 {
		i--
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// parseSeq checks a sequence number's shape and returns its shard index and
// position. It does not check that the shard or stream match: the caller does.
func parseSeq(s string) (streamID int64, shard int, pos uint64, err error) {
	if len(s) != seqLen || s[0] != '4' || s[1] != '9' {
		return 0, 0, 0, fmt.Errorf("%w: sequence number %q is not one this store issued (want 56 digits starting 49)", ErrInvalidArgument, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, 0, fmt.Errorf("%w: sequence number %q must be decimal digits", ErrInvalidArgument, s)
		}
	}
	p, err1 := strconv.ParseUint(s[2:22], 10, 64)
	sh, err2 := strconv.ParseUint(s[22:34], 10, 31)
	id, err3 := strconv.ParseInt(s[34:56], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, fmt.Errorf("%w: sequence number %q is out of range", ErrInvalidArgument, s)
	}
	return id, int(sh), p, nil
}

// ShardID returns the Kinesis shard id of a shard index.
func ShardID(index int) string {
	if index >= 0 && index < len(shardIDs) {
		return shardIDs[index]
	}
	return formatShardID(index)
}

// shardIDs holds the ids of the first shards, so results need not format them.
var shardIDs = func() []string {
	ids := make([]string, 256)
	for i := range ids {
		ids[i] = formatShardID(i)
	}
	return ids
}()

func formatShardID(index int) string {
	var b [20]byte
	copy(b[:], "shardId-")
	putDigits(b[8:], uint64(index))
	return string(b[:])
}

// ParseShardID returns the index of a shard id: it accepts
// "shardId-000000000001" and, as Kinesis does, the bare number.
func ParseShardID(s string) (int, error) {
	num := s
	if len(s) > 8 && s[:8] == "shardId-" {
		num = s[8:]
	}
	n, err := strconv.ParseUint(num, 10, 31)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%w: shard id %q", ErrInvalidArgument, s)
	}
	return int(n), nil
}
