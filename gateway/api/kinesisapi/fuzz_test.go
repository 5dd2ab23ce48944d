package kinesisapi

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/tidegate/tidegate/shards"
)

// Request decoders take arbitrary bytes: they may refuse them, never panic.

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"StreamName":"s","Records":[{"Data":"aGVsbG8=","PartitionKey":"k","ExplicitHashKey":"1"}]}`,
		`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Records":[{"Data":"","PartitionKey":"\u00e9\\n"}]}`,
		`{"ShardIterator":"abc","Limit":10}`,
		`{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1.712345678123E9}`,
		`{"Records":null}`, `{"Records":[{}]}`, `[]`, `null`, `{"Data":"@@"}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c jsonCodec
		c.Unmarshal(b, new(putRecordsInput))
		c.Unmarshal(b, new(putRecordInput))
		c.Unmarshal(b, new(getRecordsInput))
		c.Unmarshal(b, new(getShardIteratorInput))
		c.Unmarshal(b, new(subscribeInput))
	})
}

func FuzzDecodeCBOR(f *testing.F) {
	for _, v := range []any{
		map[string]any{"StreamName": "s", "Records": []any{map[string]any{"Data": []byte("hi"), "PartitionKey": "k"}}},
		map[string]any{"ShardIterator": "abc", "Limit": 10},
		map[string]any{"StreamName": "s", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": cbor.Tag{Number: 1, Content: int64(1712345678123)}},
		map[string]any{"Timestamp": cbor.Tag{Number: 1, Content: 1.5}},
		map[string]any{"Timestamp": cbor.Tag{Number: 0, Content: "2024-01-01T00:00:00Z"}},
	} {
		b, err := cbor.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xbf, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c cborCodec
		c.Unmarshal(b, new(putRecordsInput))
		c.Unmarshal(b, new(getRecordsInput))
		c.Unmarshal(b, new(getShardIteratorInput))
		c.Unmarshal(b, new(subscribeInput))
		new(timestamp).UnmarshalCBOR(b)
	})
}

func FuzzIterator(f *testing.F) {
	a := &API{IteratorKey: []byte("0123456789abcdef0123456789abcdef"), Clock: func() time.Time { return time.UnixMilli(1712345678123) }}
	f.Add(a.encodeIterator("stream", shards.Cursor{StreamID: 42, Shard: 3, Pos: 1 << 40}), "stream", int64(42), 3, uint64(1<<40))
	f.Add("", "", int64(0), 0, uint64(0))
	f.Add("AAAA", "x", int64(-1), 1<<30, uint64(1<<63))
	f.Fuzz(func(t *testing.T, s, name string, id int64, shard int, pos uint64) {
		a.decodeIterator(s) // never panics
		if len(name) == 0 || len(name) > 128 || shard < 0 || int64(shard) > math.MaxInt32 {
			return
		}
		c := shards.Cursor{StreamID: id, Shard: shard, Pos: pos}
		it, err := a.decodeIterator(a.encodeIterator(name, c))
		if err != nil || it.stream != name || it.cursor != c {
			t.Fatalf("round trip of %q %+v: %+v, %v", name, c, it, err)
		}
	})
}

// FuzzFastJSON checks the PutRecords fast path against encoding/json: what
// the fast path accepts, encoding/json must decode to the same value.
func FuzzFastJSON(f *testing.F) {
	for _, s := range []string{
		`{"StreamName":"s","Records":[{"Data":"aGVsbG8=","PartitionKey":"k","ExplicitHashKey":"1"},{"Data":"","PartitionKey":"é"}]}`,
		` { "Records" : [ ] , "StreamARN" : "arn" } `,
		`{"Records":[{}]}`, `{"Records":[{"Data":"aGVsbG8"}]}`, `{"Records":[{"Data":"a","Data":"b"}]}`,
		`{"records":[]}`, `{"Records":[{"PartitionKey":"\u0041"}]}`, `{}`, `{"StreamName":"a"} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		naive := true
		for _, c := range b {
			naive = naive && c >= 0x20 && c < 0x80
		}
		if printableASCII(b) != naive {
			t.Fatalf("printableASCII(%q) = %v", b, !naive)
		}
		var fast putRecordsInput
		if fast.scan(b) != nil {
			return
		}
		var ref putRecordsInput
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", b, err)
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", b, fast, ref)
		}
	})
}

// FuzzAppendJSON checks the hand-written encoders produce JSON that
// encoding/json reads back to the same values.
func FuzzAppendJSON(f *testing.F) {
	f.Add("k", []byte("data"), "msg")
	f.Add("\x00\"\\\n\u2028\xff<>&", []byte{}, "é\t")
	f.Fuzz(func(t *testing.T, key string, data []byte, msg string) {
		get := getRecordsOutput{Records: []record{{SequenceNumber: "49", ApproximateArrivalTimestamp: timestamp{time.UnixMilli(1712345678123)},
			Data: data, PartitionKey: key}}, NextShardIterator: msg, MillisBehindLatest: 5}
		var back struct {
			Records []struct {
				SequenceNumber              string
				ApproximateArrivalTimestamp float64
				Data                        []byte
				PartitionKey                string
			}
			NextShardIterator  string
			MillisBehindLatest int64
		}
		b := get.appendJSON(nil)
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("GetRecords output %q: %v", b, err)
		}
		want := viaJSON(key)
		r := back.Records[0]
		if r.PartitionKey != want || !bytes.Equal(r.Data, data) || r.ApproximateArrivalTimestamp != 1712345678.123 ||
			back.NextShardIterator != viaJSON(msg) || back.MillisBehindLatest != 5 {
			t.Fatalf("GetRecords output %q read back as %+v", b, back)
		}
		put := putRecordsOutput{FailedRecordCount: 1, EncryptionType: "NONE", Records: []putRecordsResult{
			{SequenceNumber: key, ShardId: "shardId-000000000000"}, {ErrorCode: "E", ErrorMessage: msg}}}
		var pback putRecordsOutput
		b = put.appendJSON(nil)
		if err := json.Unmarshal(b, &pback); err != nil {
			t.Fatalf("PutRecords output %q: %v", b, err)
		}
		if pback.Records[0].SequenceNumber != want || pback.Records[1].ErrorMessage != viaJSON(msg) || pback.FailedRecordCount != 1 {
			t.Fatalf("PutRecords output %q read back as %+v", b, pback)
		}
	})
}

// viaJSON is s as encoding/json round-trips it (each invalid UTF-8 byte
// becomes U+FFFD).
func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	json.Unmarshal(b, &out)
	return out
}
