package uplink

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendFormatted appends a record as format renders it. FormatJSON writes
// one line:
//
//	{"stream":"s","partition_key":"k","sequence_number":"49…","arrival":"2026-11-28T07:00:00.123Z","data":{…}}
//
// with the data inline when it is valid JSON (compacted, so the line stays
// one line) and as "data_base64" otherwise.
func appendFormatted(dst []byte, format string, r *Record, raw []byte) []byte {
	if format != FormatJSON {
		return append(dst, raw...)
	}
	dst = append(dst, `{"stream":`...)
	dst = appendJSONString(dst, r.Stream)
	dst = append(dst, `,"partition_key":`...)
	dst = appendJSONString(dst, r.PartitionKey)
	dst = append(dst, `,"sequence_number":"`...)
	dst = append(dst, r.Sequence...)
	dst = append(dst, `","arrival":"`...)
	dst = r.Arrival.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	dst = append(dst, '"')
	// Compact checks the JSON as it copies it, in one pass.
	mark := len(dst)
	dst = append(dst, `,"data":`...)
	buf := bytes.NewBuffer(dst)
	if len(raw) > 0 && json.Compact(buf, raw) == nil {
		dst = buf.Bytes()
		return append(dst, "}\n"...)
	}
	dst = buf.Bytes()[:mark]
	dst = append(dst, `,"data_base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, raw)
	return append(dst, "\"}\n"...)
}

// jsonLineOverhead is what the JSON format adds to a record besides its data,
// its stream name and partition key: the keys, a 56-digit sequence number, a
// millisecond arrival time.
const jsonLineOverhead = len(`{"stream":"","partition_key":"","sequence_number":"","arrival":"2026-11-28T07:00:00.123Z","data":}`+"\n") + 56

// base64Overhead is what a line whose data is not JSON adds: the key
// data_base64 in place of data, and the quotes.
const base64Overhead = len(`"data_base64":""`) - len(`"data":`)

// formattedSize is the most appendFormatted writes for a record: exactly,
// but for JSON data with blanks that compaction takes out. A record counts
// so against the buffer size, which then bounds the bytes a destination
// receives (an object before compression, the data of a request): data
// that is not JSON goes in base64, a third larger.
func formattedSize(format, stream, partitionKey string, data []byte) int {
	if format != FormatJSON {
		return len(data)
	}
	n := jsonLineOverhead + jsonStringLen(stream) - 2 + jsonStringLen(partitionKey) - 2
	if len(data) > 0 && json.Valid(data) {
		return n + len(data)
	}
	return n + base64Overhead + base64.StdEncoding.EncodedLen(len(data))
}

// jsonStringLen is the length of appendJSONString's output for s.
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(dst, `\u202`...)
			dst = strconv.AppendInt(dst, int64(r&0xf), 16)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// millis is a time as milliseconds since the epoch, as Firehose writes
// timestamps in its JSON.
func millis(t time.Time) int64 { return t.UnixMilli() }
