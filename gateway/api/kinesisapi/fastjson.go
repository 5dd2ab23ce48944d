package kinesisapi

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// The hot operations — PutRecords in, PutRecords and GetRecords out —
// bypass encoding/json, which spends most of a put's CPU validating and
// reflecting over 500 small objects. The decoder handles the shape SDKs
// send (known members, strings without escapes, base64 data) and hands
// anything else to encoding/json, so what it accepts it decodes exactly as
// encoding/json would (FuzzFastJSON checks this).

// errNotFast sends a body to encoding/json.
var errNotFast = errors.New("not the common shape")

func (in *putRecordsInput) unmarshalFastJSON(body []byte) error {
	var fast putRecordsInput
	if err := fast.scan(body); err == nil {
		*in = fast
		return nil
	}
	return json.Unmarshal(body, in)
}

// scanner walks a JSON body.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters and returns
// its bytes (a view of the body).
func (s *scanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	end := bytes.IndexByte(s.b[s.i:], '"')
	if end < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+end]
	s.i += end + 1
	if bytes.IndexByte(v, '\\') >= 0 {
		return nil, false
	}
	if !printableASCII(v) {
		for _, c := range v {
			if c < 0x20 {
				return nil, false
			}
		}
		if !utf8.Valid(v) {
			return nil, false
		}
	}
	return v, true
}

// printableASCII reports whether every byte of b is in [0x20, 0x80), eight
// bytes at a time.
func printableASCII(b []byte) bool {
	const ones, highs, spaces = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		// A high bit set, or a byte below 0x20 (w - 0x20 borrows into its
		// high bit where w's own high bit was clear).
		if w&highs != 0 || (w-spaces)&^w&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// members reads an object's members, calling fn with each key; fn reads the
// value. Duplicate keys are left to encoding/json.
func (s *scanner) members(fn func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.next(':') || !fn(k) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (in *putRecordsInput) scan(body []byte) error {
	s := &scanner{b: body}
	// Data and partition keys live in two shared buffers: one allocation
	// each, not one per record.
	arena := make([]byte, 0, base64.StdEncoding.DecodedLen(len(body)))
	var keys []byte
	type span struct{ off, n int }
	var keySpans []span
	var seenName, seenARN, seenRecords bool
	ok := s.members(func(k []byte) bool {
		switch {
		case !seenName && string(k) == "StreamName":
			seenName = true
			v, ok := s.str()
			in.StreamName = string(v)
			return ok
		case !seenARN && string(k) == "StreamARN":
			seenARN = true
			v, ok := s.str()
			in.StreamARN = string(v)
			return ok
		case !seenRecords && string(k) == "Records":
			seenRecords = true
			if !s.next('[') {
				return false
			}
			in.Records = []putRecordsEntry{}
			if s.next(']') {
				return true
			}
			for {
				var r putRecordsEntry
				var seenData, seenKey, seenHash bool
				keyAt := span{-1, 0}
				ok := s.members(func(k []byte) bool {
					switch {
					case !seenData && string(k) == "Data":
						seenData = true
						v, ok := s.str()
						if !ok {
							return false
						}
						off := len(arena)
						n, err := base64.StdEncoding.Decode(arena[off:cap(arena)], v)
						if err != nil {
							return false
						}
						arena = arena[:off+n]
						r.Data = arena[off : off+n : off+n]
						return true
					case !seenKey && string(k) == "PartitionKey":
						seenKey = true
						v, ok := s.str()
						keyAt = span{len(keys), len(v)}
						keys = append(keys, v...)
						return ok
					case !seenHash && string(k) == "ExplicitHashKey":
						seenHash = true
						v, ok := s.str()
						r.ExplicitHashKey = string(v)
						return ok
					}
					return false
				})
				if !ok {
					return false
				}
				in.Records = append(in.Records, r)
				keySpans = append(keySpans, keyAt)
				if s.next(']') {
					return true
				}
				if !s.next(',') {
					return false
				}
			}
		}
		return false
	})
	s.ws()
	if !ok || s.i != len(s.b) {
		return errNotFast
	}
	all := string(keys)
	for i, sp := range keySpans {
		if sp.off >= 0 {
			in.Records[i].PartitionKey = all[sp.off : sp.off+sp.n]
		}
	}
	return nil
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping off.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func (o *putRecordsOutput) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"FailedRecordCount":`...)
	dst = strconv.AppendInt(dst, int64(o.FailedRecordCount), 10)
	dst = append(dst, `,"Records":[`...)
	for i, r := range o.Records {
		if i > 0 {
			dst = append(dst, ',')
		}
		if r.ErrorCode != "" {
			dst = append(dst, `{"ErrorCode":`...)
			dst = appendJSONString(dst, r.ErrorCode)
			dst = append(dst, `,"ErrorMessage":`...)
			dst = appendJSONString(dst, r.ErrorMessage)
			dst = append(dst, '}')
			continue
		}
		dst = append(dst, `{"SequenceNumber":`...)
		dst = appendJSONString(dst, r.SequenceNumber)
		dst = append(dst, `,"ShardId":`...)
		dst = appendJSONString(dst, r.ShardId)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"EncryptionType":`...)
	dst = appendJSONString(dst, o.EncryptionType)
	return append(dst, '}')
}

func (o *getRecordsOutput) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"Records":[`...)
	for i := range o.Records {
		r := &o.Records[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"SequenceNumber":`...)
		dst = appendJSONString(dst, r.SequenceNumber)
		dst = append(dst, `,"ApproximateArrivalTimestamp":`...)
		dst = appendJSONTime(dst, r.ApproximateArrivalTimestamp.Time)
		dst = append(dst, `,"Data":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Data)
		dst = append(dst, `","PartitionKey":`...)
		dst = appendJSONString(dst, r.PartitionKey)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if o.NextShardIterator != "" {
		dst = append(dst, `,"NextShardIterator":`...)
		dst = appendJSONString(dst, o.NextShardIterator)
	}
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, o.MillisBehindLatest, 10)
	if len(o.ChildShards) > 0 {
		b, _ := json.Marshal(o.ChildShards) // rare: only at the end of a closed shard
		dst = append(dst, `,"ChildShards":`...)
		dst = append(dst, b...)
	}
	return append(dst, '}')
}
