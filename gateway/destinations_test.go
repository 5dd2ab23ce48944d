package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tidegate/tidegate/internal/peer"
)

// Deliveries written in the configuration file reach real peers through the
// destinations they name: Kinesis (kinesalite) with partition keys kept, and
// S3 (gofakes3) with gzip objects whose records went through an HTTP
// transform (the Firehose data-transformation contract).
func TestConfiguredDeliveriesReachKinesisAndS3(t *testing.T) {
	kinesisURL := peer.Kinesalite(t)
	s3srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(s3srv.Close)
	transform := httptest.NewServer(http.HandlerFunc(upperTransform))
	t.Cleanup(transform.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	kc := awskinesis.New(awskinesis.Options{BaseEndpoint: aws.String(kinesisURL), Region: "us-east-1", Credentials: creds})
	if _, err := kc.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("cloud"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	sc := awss3.New(awss3.Options{BaseEndpoint: aws.String(s3srv.URL), Region: "us-east-1", Credentials: creds, UsePathStyle: true})
	if _, err := sc.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("archive")}); err != nil {
		t.Fatal(err)
	}

	g := startGateway(t, testConfig(t, fmt.Sprintf(`
streams:
  - { name: sensors, shards: 2 }
deliveries:
  - name: to-kinesis
    from: sensors
    to: { type: kinesis, stream: cloud, endpoint: %q }
    buffer: { interval: 0s }
  - name: to-s3
    from: sensors
    to: { type: s3, bucket: archive, prefix: "site-1/", endpoint: %q }
    buffer: { interval: 0s }
    transform: { type: http, url: %q }
    compression: gzip
`, kinesisURL, s3srv.URL, transform.URL)))
	s, _ := g.Store().Stream("sensors")
	putN(t, s, 0, 300)
	for _, name := range []string{"to-kinesis", "to-s3"} {
		waitFor(t, name+" delivering 300", func() bool {
			st, err := g.Deliveries().Status(name)
			return err == nil && st.RecordsDelivered == 300
		})
	}

	// Kinesis: every record, under its own partition key.
	got := map[string]string{}
	desc, err := kc.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("cloud")})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range desc.StreamDescription.Shards {
		it, err := kc.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("cloud"), ShardId: sh.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		out, err := kc.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Records {
			got[string(r.Data)] = aws.ToString(r.PartitionKey)
		}
	}
	for i := 0; i < 300; i++ {
		if key, ok := got[fmt.Sprintf(`{"n":%d}`, i)]; !ok || key != fmt.Sprintf("dev%d", i%9) {
			t.Fatalf("kinesis: record %d under key %q (present %v)", i, key, ok)
		}
	}

	// S3: gzip objects under the prefix, holding every record transformed.
	list, err := sc.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("archive")})
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	for _, o := range list.Contents {
		if !strings.HasPrefix(aws.ToString(o.Key), "site-1/") || !strings.HasSuffix(aws.ToString(o.Key), ".gz") {
			t.Errorf("object %s: want site-1/… .gz", aws.ToString(o.Key))
		}
		obj, err := sc.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("archive"), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(obj.Body)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&body, zr)
		obj.Body.Close()
	}
	for i := 0; i < 300; i++ {
		if !strings.Contains(body.String(), fmt.Sprintf(`{"N":%d}`, i)) {
			t.Fatalf("s3: record %d missing or not transformed", i)
		}
	}
	if n := strings.Count(body.String(), `{"N":`); n != 300 {
		t.Errorf("s3: %d records, want 300", n)
	}
}

// upperTransform answers the Firehose data-transformation contract with each
// record's data upper-cased.
func upperTransform(w http.ResponseWriter, r *http.Request) {
	var ev struct {
		Records []struct {
			RecordID string `json:"recordId"`
			Data     string `json:"data"`
		} `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	type result struct {
		RecordID string `json:"recordId"`
		Result   string `json:"result"`
		Data     string `json:"data"`
	}
	out := struct {
		Records []result `json:"records"`
	}{}
	for _, rec := range ev.Records {
		data, _ := base64.StdEncoding.DecodeString(rec.Data)
		out.Records = append(out.Records, result{rec.RecordID, "Ok", base64.StdEncoding.EncodeToString(bytes.ToUpper(data))})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
