package firehoseapi

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/tidegate/tidegate/shards"
)

// binary returns n bytes of every value, so base64 and JSON escaping are
// exercised.
func binary(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed)
	}
	return b
}

func TestPutRecord(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("in")})
	var ids []string
	var want [][]byte
	for i, data := range [][]byte{[]byte(`{"t":21.5}`), {}, binary(256, 3), binary(MaxRecordBytes, 1)} {
		out, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("in"), Record: &types.Record{Data: data}})
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if aws.ToBool(out.Encrypted) || aws.ToString(out.RecordId) == "" {
			t.Errorf("output %+v", out)
		}
		ids = append(ids, aws.ToString(out.RecordId))
		want = append(want, data)
	}
	recs := readStream(t, e.store, "in")
	if len(recs) != len(want) {
		t.Fatalf("%d records in the stream, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if !bytes.Equal(r.Data, want[i]) || r.SequenceNumber() != ids[i] || r.PartitionKey != "in" {
			t.Errorf("record %d: %d bytes, seq %s key %q; want %d bytes, RecordId %s", i, len(r.Data), r.SequenceNumber(), r.PartitionKey, len(want[i]), ids[i])
		}
	}
}

func TestPutRecordBatch(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("batch"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	var in []types.Record
	for i := range MaxBatchRecords {
		in = append(in, types.Record{Data: binary(i%300, i)})
	}
	out, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("batch"), Records: in})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedPutCount) != 0 || aws.ToBool(out.Encrypted) || len(out.RequestResponses) != len(in) {
		t.Fatalf("output: %d failed, %d responses", aws.ToInt32(out.FailedPutCount), len(out.RequestResponses))
	}
	recs := readStream(t, e.store, "batch")
	if len(recs) != len(in) {
		t.Fatalf("%d records in the stream, want %d", len(recs), len(in))
	}
	seen := map[string]bool{}
	for i, r := range recs {
		res := out.RequestResponses[i]
		if !bytes.Equal(r.Data, in[i].Data) || aws.ToString(res.RecordId) != r.SequenceNumber() || res.ErrorCode != nil {
			t.Fatalf("record %d: %d bytes, seq %s; response %+v", i, len(r.Data), r.SequenceNumber(), res)
		}
		if seen[r.SequenceNumber()] {
			t.Fatalf("record %d: RecordId %s twice", i, r.SequenceNumber())
		}
		seen[r.SequenceNumber()] = true
	}
	// The largest batch: four records of 1,000 KiB are 4,096,000 bytes, under 4 MiB.
	big := []types.Record{{Data: binary(MaxRecordBytes, 1)}, {Data: binary(MaxRecordBytes, 2)}, {Data: binary(MaxRecordBytes, 3)}, {Data: binary(MaxRecordBytes, 4)}}
	out, err = e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("batch"), Records: big})
	if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
		t.Fatalf("4 × 1,000 KiB: %v", err)
	}
	recs = readStream(t, e.store, "batch")[len(in):]
	for i, r := range recs {
		if !bytes.Equal(r.Data, big[i].Data) {
			t.Errorf("big record %d differs", i)
		}
	}
}

func TestPutLimits(t *testing.T) {
	e := newEnv(t)
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("lim")})
	name := aws.String("lim")
	many := make([]types.Record, MaxBatchRecords+1)
	for i := range many {
		many[i].Data = []byte("x")
	}
	for _, tc := range []struct {
		name    string
		call    func() error
		typ     string
		message string
	}{
		{"record over 1,000 KiB", func() error {
			_, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: name, Record: &types.Record{Data: make([]byte, MaxRecordBytes+1)}})
			return err
		}, errValidation, "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"},
		{"batch record over 1,000 KiB", func() error {
			_, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: name, Records: []types.Record{{Data: []byte("ok")}, {Data: make([]byte, MaxRecordBytes+1)}}})
			return err
		}, errValidation, "at 'records.2.member.data'"},
		{"501 records", func() error {
			_, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: name, Records: many})
			return err
		}, errValidation, "Member must have length less than or equal to 500"},
		{"over 4 MiB", func() error {
			recs := make([]types.Record, 5)
			for i := range recs {
				recs[i].Data = make([]byte, MaxRecordBytes)
			}
			_, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: name, Records: recs})
			return err
		}, errInvalidArgument, "Records size exceeds 4 MB limit"},
		{"no such delivery stream", func() error {
			_, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("nope"), Records: []types.Record{{Data: []byte("x")}}})
			return err
		}, errResourceNotFound, "Firehose stream nope under account 000000000000 not found."},
		{"bad name", func() error {
			_, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("a b"), Record: &types.Record{Data: []byte("x")}})
			return err
		}, errValidation, "regular expression"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ae := wantAPIError(t, tc.call(), tc.typ)
			if !strings.Contains(ae.ErrorMessage(), tc.message) {
				t.Errorf("message %q, want %q", ae.ErrorMessage(), tc.message)
			}
		})
	}
	for _, tc := range []struct{ name, target, body, typ, message string }{
		{"no records", "PutRecordBatch", `{"DeliveryStreamName":"lim"}`, errValidation, "Value null at 'records'"},
		{"empty records", "PutRecordBatch", `{"DeliveryStreamName":"lim","Records":[]}`, errValidation, "length greater than or equal to 1"},
		{"null record", "PutRecordBatch", `{"DeliveryStreamName":"lim","Records":[null]}`, errValidation, "Value null at 'records.1.member'"},
		{"record without data", "PutRecordBatch", `{"DeliveryStreamName":"lim","Records":[{"Data":"eA=="},{}]}`, errValidation, "Value null at 'records.2.member.data'"},
		{"no record", "PutRecord", `{"DeliveryStreamName":"lim"}`, errValidation, "Value null at 'record'"},
		{"no name", "PutRecord", `{"Record":{"Data":"eA=="}}`, errValidation, "Value null at 'deliveryStreamName'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, eb := rawError(t, "POST", e.srv.URL, contentJSON, TargetPrefix+tc.target, []byte(tc.body))
			if status != 400 || eb.Type != tc.typ || !strings.Contains(eb.Message, tc.message) {
				t.Errorf("got %d %s: %s, want %s containing %q", status, eb.Type, eb.Message, tc.typ, tc.message)
			}
		})
	}
	if recs := readStream(t, e.store, "lim"); len(recs) != 0 {
		t.Errorf("refused puts stored %d records", len(recs))
	}
}

// TestStreamFull: a backing stream at its byte limit with reject_new makes
// Firehose's throttling answer, which clients retry.
func TestStreamFull(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateStream("small", shards.StreamConfig{Shards: 1, MaxBytes: shards.MinMaxBytes, OnFull: shards.RejectNew}); err != nil {
		t.Fatal(err)
	}
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("small")})
	chunk := bytes.Repeat([]byte("x"), 100<<10)
	full := false
	for i := 0; i < 100 && !full; i++ {
		out, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("small"), Records: []types.Record{{Data: chunk}, {Data: chunk}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := aws.ToInt32(out.FailedPutCount); n > 0 {
			for _, r := range out.RequestResponses {
				if n != 2 || aws.ToString(r.ErrorCode) != errServiceUnavailable || !strings.HasPrefix(aws.ToString(r.ErrorMessage), "Slow down.") || r.RecordId != nil {
					t.Fatalf("full stream: %d failed, %+v", n, r)
				}
			}
			full = true
		}
	}
	if !full {
		t.Fatal("the stream never filled")
	}
	// What did not fit in a batch does not fit alone either.
	_, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("small"), Record: &types.Record{Data: bytes.Repeat(chunk, 3)}})
	wantAPIError(t, err, errServiceUnavailable)
	body := fmt.Appendf(nil, `{"DeliveryStreamName":"small","Record":{"Data":%q}}`, base64.StdEncoding.EncodeToString(bytes.Repeat(chunk, 3)))
	if status, eb := rawError(t, "POST", e.srv.URL, contentJSON, TargetPrefix+"PutRecord", body); status != 503 || eb.Type != errServiceUnavailable {
		t.Errorf("got HTTP %d %s, want 503 %s", status, eb.Type, errServiceUnavailable)
	}
}

// TestPartitionKeys: each sender's records stay in order in one shard of
// the backing stream.
func TestPartitionKeys(t *testing.T) {
	e := newEnv(t, func(a *API) { a.Shards = 8 })
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("fleet")})
	senders := map[string]*sdk.Client{"anonymous": e.client}
	for _, id := range []string{"AKIDEDGE0001", "AKIDEDGE0002", "AKIDEDGE0003", "AKIDEDGE0004"} {
		senders[id] = newClient(e.srv.URL, staticCreds(id))
	}
	const rounds = 5
	for round := range rounds {
		for id, c := range senders {
			recs := []types.Record{{Data: fmt.Appendf(nil, "%s %d a", id, round)}, {Data: fmt.Appendf(nil, "%s %d b", id, round)}}
			if _, err := c.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("fleet"), Records: recs}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("fleet"), Record: &types.Record{Data: fmt.Appendf(nil, "%s %d c", id, round)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, _ := e.store.Stream("fleet")
	got := map[string][]string{} // sender → data in stream order
	shardOf := map[string]string{}
	for _, sh := range s.Describe().Shards {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		res, err := s.Read(c, shards.MaxRecordsPerRead)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			sender, _, _ := strings.Cut(string(r.Data), " ")
			want := sender
			if sender == "anonymous" {
				want = "fleet"
			}
			if r.PartitionKey != want {
				t.Errorf("record %q has partition key %q, want %q", r.Data, r.PartitionKey, want)
			}
			if prev, ok := shardOf[sender]; ok && prev != sh.ShardID {
				t.Errorf("sender %s in shards %s and %s", sender, prev, sh.ShardID)
			}
			shardOf[sender] = sh.ShardID
			got[sender] = append(got[sender], string(r.Data))
		}
	}
	for id := range senders {
		var want []string
		for round := range rounds {
			for _, suffix := range []string{"a", "b", "c"} {
				want = append(want, fmt.Sprintf("%s %d %s", id, round, suffix))
			}
		}
		if strings.Join(got[id], ",") != strings.Join(want, ",") {
			t.Errorf("sender %s: %v, want %v", id, got[id], want)
		}
	}
}

func TestAccessKeyID(t *testing.T) {
	for _, tc := range []struct{ header, query, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/firehose/aws4_request, SignedHeaders=host, Signature=abc", "", "AKIDEXAMPLE"},
		{"", "X-Amz-Credential=AKIDQUERY%2F20240101%2Fus-east-1%2Ffirehose%2Faws4_request", "AKIDQUERY"},
		{"AWS4-HMAC-SHA256 Credential=bad-id/20240101/x", "", ""},
		{"AWS4-HMAC-SHA256 Credential=/20240101/x", "", ""},
		{"AWS4-HMAC-SHA256 Credential=NOSLASH", "", ""},
		{"Bearer token", "", ""},
		{"", "", ""},
		{"", "X-Amz-Credential=%zz", ""},
	} {
		r, _ := newRequest(tc.header, tc.query)
		if got := accessKeyID(r); got != tc.want {
			t.Errorf("header %q query %q: %q, want %q", tc.header, tc.query, got, tc.want)
		}
	}
}

// TestConcurrentUse puts from several clients while delivery streams come
// and go (run it with -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, func(a *API) { a.Shards = 2 })
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("busy"), ExtendedS3DestinationConfiguration: s3Dest("b")})
	const senders, batches = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, senders+1)
	for i := range senders {
		wg.Go(func() {
			c := newClient(e.srv.URL, staticCreds(fmt.Sprintf("AKIDSENDER%d", i)))
			for j := range batches {
				recs := []types.Record{{Data: fmt.Appendf(nil, "%d-%d-a", i, j)}, {Data: fmt.Appendf(nil, "%d-%d-b", i, j)}}
				out, err := c.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("busy"), Records: recs})
				if err == nil && aws.ToInt32(out.FailedPutCount) != 0 {
					err = fmt.Errorf("%d failed", aws.ToInt32(out.FailedPutCount))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for j := range 5 {
			name := aws.String(fmt.Sprintf("churn-%d", j))
			if _, err := e.client.CreateDeliveryStream(ctxT(t), &sdk.CreateDeliveryStreamInput{DeliveryStreamName: name, ExtendedS3DestinationConfiguration: s3Dest("b")}); err != nil {
				errs <- err
				return
			}
			if _, err := e.client.DescribeDeliveryStream(ctxT(t), &sdk.DescribeDeliveryStreamInput{DeliveryStreamName: name}); err != nil {
				errs <- err
				return
			}
			if _, err := e.client.DeleteDeliveryStream(ctxT(t), &sdk.DeleteDeliveryStreamInput{DeliveryStreamName: name}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(readStream(t, e.store, "busy")); n != senders*batches*2 {
		t.Errorf("%d records stored, want %d", n, senders*batches*2)
	}
}
