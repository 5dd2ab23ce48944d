package kinesisapi

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// cborCall is a minimal client of the CBOR protocol, as the AWS Java SDKs
// speak it: the request as a CBOR map, the response decoded into out (or,
// on an error status, into an error body).
func cborCall(t *testing.T, url, op string, req, out any) (int, errorBody) {
	t.Helper()
	body, ok := req.([]byte)
	if !ok {
		body = mustCBOR(t, req)
	}
	hr, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	hr.Header.Set("Content-Type", contentCBOR)
	hr.Header.Set("X-Amz-Target", targetPrefix+op)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != contentCBOR {
		t.Fatalf("%s: response content type %q", op, ct)
	}
	var eb errorBody
	if resp.StatusCode != 200 {
		if err := cbor.Unmarshal(b, &eb); err != nil {
			t.Fatalf("%s: error body %x: %v", op, b, err)
		}
		return resp.StatusCode, eb
	}
	if out != nil {
		if err := cbor.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: response %x: %v", op, b, err)
		}
	}
	return resp.StatusCode, eb
}

// javaTime is a timestamp as the Java SDK writes it: tag 1 around epoch
// milliseconds.
func javaTime(t time.Time) cbor.Tag { return cbor.Tag{Number: 1, Content: t.UnixMilli()} }

func TestCBOR(t *testing.T) {
	e := newEnv(t)
	// CreateStream as an indefinite-length map, the way Jackson's CBOR
	// generator writes objects.
	create := append([]byte{0xbf}, mustCBOR(t, "StreamName")...)
	create = append(create, mustCBOR(t, "cbor")...)
	create = append(create, mustCBOR(t, "ShardCount")...)
	create = append(create, mustCBOR(t, 1)...)
	create = append(create, 0xff)
	if st, eb := cborCall(t, e.srv.URL, "CreateStream", create, nil); st != 200 {
		t.Fatalf("CreateStream: %d %+v", st, eb)
	}

	start := time.Now().Add(-time.Second)
	payloads := [][]byte{{0, 1, 2, 0xff}, []byte("hello"), {}}
	var records []map[string]any
	for i, p := range payloads {
		records = append(records, map[string]any{"Data": p, "PartitionKey": keyN(i)})
	}
	var put struct {
		FailedRecordCount int
		Records           []struct{ SequenceNumber, ShardId string }
	}
	if st, eb := cborCall(t, e.srv.URL, "PutRecords", map[string]any{"StreamName": "cbor", "Records": records}, &put); st != 200 {
		t.Fatalf("PutRecords: %d %+v", st, eb)
	}
	if put.FailedRecordCount != 0 || len(put.Records) != 3 || len(put.Records[0].SequenceNumber) != 56 {
		t.Fatalf("PutRecords: %+v", put)
	}

	var it struct{ ShardIterator string }
	if st, eb := cborCall(t, e.srv.URL, "GetShardIterator", map[string]any{"StreamName": "cbor", "ShardId": "shardId-000000000000",
		"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": javaTime(start)}, &it); st != 200 || it.ShardIterator == "" {
		t.Fatalf("GetShardIterator: %d %+v", st, eb)
	}

	var got struct {
		Records []struct {
			Data                        []byte
			PartitionKey                string
			SequenceNumber              string
			ApproximateArrivalTimestamp cbor.RawTag
		}
		NextShardIterator  string
		MillisBehindLatest int64
	}
	if st, eb := cborCall(t, e.srv.URL, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator}, &got); st != 200 {
		t.Fatalf("GetRecords: %d %+v", st, eb)
	}
	if len(got.Records) != 3 || got.NextShardIterator == "" {
		t.Fatalf("GetRecords: %+v", got)
	}
	for i, r := range got.Records {
		if !bytes.Equal(r.Data, payloads[i]) || r.PartitionKey != keyN(i) || r.SequenceNumber != put.Records[i].SequenceNumber {
			t.Errorf("record %d: %+v", i, r)
		}
		var ms int64
		if r.ApproximateArrivalTimestamp.Number != 1 || cbor.Unmarshal(r.ApproximateArrivalTimestamp.Content, &ms) != nil ||
			ms < start.UnixMilli() || ms > time.Now().UnixMilli()+1000 {
			t.Errorf("record %d: ApproximateArrivalTimestamp tag %d content %x, want tag 1 around epoch ms", i, r.ApproximateArrivalTimestamp.Number, r.ApproximateArrivalTimestamp.Content)
		}
	}

	// A timestamp after the records: nothing to read.
	time.Sleep(5 * time.Millisecond)
	if st, eb := cborCall(t, e.srv.URL, "GetShardIterator", map[string]any{"StreamName": "cbor", "ShardId": "shardId-000000000000",
		"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": javaTime(time.Now())}, &it); st != 200 {
		t.Fatalf("GetShardIterator: %d %+v", st, eb)
	}
	got.Records = nil
	if cborCall(t, e.srv.URL, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator}, &got); len(got.Records) != 0 {
		t.Errorf("AT_TIMESTAMP after the records read %d records", len(got.Records))
	}
	// One in the future is refused, as Kinesis does.
	if st, eb := cborCall(t, e.srv.URL, "GetShardIterator", map[string]any{"StreamName": "cbor", "ShardId": "shardId-000000000000",
		"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": javaTime(time.Now().Add(time.Hour))}, &it); st != 400 || eb.Type != "InvalidArgumentException" {
		t.Fatalf("GetShardIterator an hour ahead: %d %+v", st, eb)
	}

	st, eb := cborCall(t, e.srv.URL, "GetRecords", map[string]any{"ShardIterator": "garbage"}, nil)
	if st != 400 || eb.Type != errInvalidArgument || eb.Message != "Invalid ShardIterator." {
		t.Errorf("bad iterator: %d %+v", st, eb)
	}
}

func TestCBORTimestamps(t *testing.T) {
	want := time.UnixMilli(1712345678123)
	for _, tc := range []struct {
		name string
		v    any
		want time.Time
	}{
		{"Java: tag 1, integer ms", cbor.Tag{Number: 1, Content: want.UnixMilli()}, want},
		{"RFC 8949: tag 1, float seconds", cbor.Tag{Number: 1, Content: 1712345678.123}, want},
		{"RFC 8949: tag 1, integer seconds", cbor.Tag{Number: 1, Content: int64(1712345678)}, time.Unix(1712345678, 0)},
		{"untagged ms", want.UnixMilli(), want},
		{"tag 0, RFC 3339", cbor.Tag{Number: 0, Content: "2024-04-05T19:34:38.123Z"}, want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts timestamp
			if err := ts.UnmarshalCBOR(mustCBOR(t, tc.v)); err != nil {
				t.Fatal(err)
			}
			if !ts.Equal(tc.want) {
				t.Errorf("got %v, want %v", ts.Time, tc.want)
			}
		})
	}
	b, err := timestamp{want}.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	if want := mustCBOR(t, cbor.Tag{Number: 1, Content: int64(1712345678123)}); !bytes.Equal(b, want) {
		t.Errorf("MarshalCBOR %x, want %x", b, want)
	}
	var ts timestamp
	if ts.UnmarshalCBOR(mustCBOR(t, cbor.Tag{Number: 32, Content: "http://x"})) == nil {
		t.Error("tag 32 (URI) accepted as a timestamp")
	}
}
