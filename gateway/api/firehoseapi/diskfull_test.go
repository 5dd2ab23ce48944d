package firehoseapi

import (
	"bytes"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/shards"
)

var diskFullText = regexp.MustCompile(`^data directory full: \d+ bytes free, reserve 1048576$`)

// TestDiskFullIsServiceUnavailable: a full disk is Firehose's "back off and
// retry": per record in PutRecordBatch, HTTP 503 for PutRecord, in the
// guard's words.
func TestDiskFullIsServiceUnavailable(t *testing.T) {
	var free atomic.Int64
	free.Store(50 << 20)
	g, err := disk.New(t.TempDir(), disk.Options{Reserve: disk.Reserve{Bytes: 1 << 20},
		Statfs: func(string) (disk.Space, error) { return disk.Space{Total: 100 << 20, Free: free.Load()}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, shards.Options{Space: g})
	e.create(t, &sdk.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("fleet")})
	free.Store(1 << 20)
	g.Refresh(nil)
	out, err := e.client.PutRecordBatch(ctxT(t), &sdk.PutRecordBatchInput{DeliveryStreamName: aws.String("fleet"),
		Records: []types.Record{{Data: []byte("a")}, {Data: []byte("b")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedPutCount) != 2 {
		t.Fatalf("%d failed", aws.ToInt32(out.FailedPutCount))
	}
	for _, r := range out.RequestResponses {
		if aws.ToString(r.ErrorCode) != errServiceUnavailable || !diskFullText.MatchString(aws.ToString(r.ErrorMessage)) || r.RecordId != nil {
			t.Errorf("record %+v", r)
		}
	}
	_, err = e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("fleet"), Record: &types.Record{Data: bytes.Repeat([]byte("x"), 10)}})
	if ae := wantAPIError(t, err, errServiceUnavailable); !diskFullText.MatchString(ae.ErrorMessage()) {
		t.Errorf("PutRecord: %q", ae.ErrorMessage())
	}
	free.Store(50 << 20)
	g.Refresh(nil)
	if _, err := e.client.PutRecord(ctxT(t), &sdk.PutRecordInput{DeliveryStreamName: aws.String("fleet"), Record: &types.Record{Data: []byte("x")}}); err != nil {
		t.Errorf("after space returned: %v", err)
	}
}
