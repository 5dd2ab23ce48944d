package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tidegate/tidegate/uplink"
)

// A hub's delivery streams with an S3 destination write to the store its
// configuration names (firehose.s3: endpoint, region, credentials), not to
// whatever the machine's AWS environment holds.
func TestHubWritesToItsConfiguredS3Store(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
	t.Setenv("HUB_S3_SECRET", "hub-store-secret")
	backend := s3mem.New()
	if err := backend.CreateBucket("archive"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend).Server()
	var mu sync.Mutex
	signedBy := map[string]int{}
	scope := regexp.MustCompile(`Credential=([^/]+)/\d{8}/([^/]+)/s3/`)
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
		mu.Lock()
		if m == nil {
			signedBy["(unsigned)"]++
		} else {
			signedBy[m[1]+" in "+m[2]]++
		}
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(store.Close)

	hub := startGateway(t, testConfig(t, fmt.Sprintf(`
firehose:
  s3:
    endpoint: %s
    region: eu-central-1
    credentials: { id: HUBSTORE, secret_env: HUB_S3_SECRET }
`, store.URL)))
	ctx := context.Background()
	fh := firehoseClient(hub)
	if _, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("telemetry"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::archive"), RoleARN: aws.String("arn:aws:iam::000000000000:role/any"),
			Prefix:         aws.String("telemetry/"),
			BufferingHints: &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		},
	}); err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	var recs []fhtypes.Record
	for i := range 10 {
		recs = append(recs, fhtypes.Record{Data: fmt.Appendf(nil, "r%d\n", i)})
	}
	if out, err := fh.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("telemetry"), Records: recs}); err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
		t.Fatalf("PutRecordBatch: %v %v", err, out)
	}
	var body []byte
	waitFor(t, "an object in the configured store", func() bool {
		list, err := backend.ListBucket("archive", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
		if err != nil || len(list.Contents) == 0 {
			return false
		}
		obj, err := backend.GetObject("archive", list.Contents[0].Key, nil)
		if err != nil {
			return false
		}
		defer obj.Contents.Close()
		body, _ = io.ReadAll(obj.Contents)
		return len(body) > 0
	})
	if want := "r0\nr1\nr2\nr3\nr4\nr5\nr6\nr7\nr8\nr9\n"; string(body) != want {
		t.Errorf("object holds %q, want %q", body, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(signedBy) != 1 || signedBy["HUBSTORE in eu-central-1"] == 0 {
		t.Errorf("requests signed by %v, want all by HUBSTORE in eu-central-1", signedBy)
	}
	// The object is in the store a moment before the delivery has taken
	// the store's answer and counted its records.
	waitFor(t, "the delivery to count the 10 records", func() bool {
		st, err := hub.Deliveries().Status("telemetry")
		return err == nil && st.RecordsDelivered == 10
	})
}

// A delivery stream whose delivery cannot be built when the hub starts
// again (here: no region any more) is reported failed — in the status and
// in DescribeDeliveryStream — and the hub serves on.
func TestHubRestartHoldsABrokenDeliveryStream(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDHUB", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_PROFILE": "", "AWS_DEFAULT_REGION": "",
		"AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
	cfg := testConfig(t, "")
	hub := New(cfg, testLogger(), "test")
	if err := hub.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := firehoseClient(hub).CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("archive"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::archive"), RoleARN: aws.String("arn:aws:iam::000000000000:role/any"),
		},
	}); err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	hub.Shutdown(ctx)

	t.Setenv("AWS_REGION", "")
	again := startGateway(t, cfg)
	st, err := again.Deliveries().Status("archive")
	if err != nil || st.State != uplink.StateFailed || !strings.Contains(st.LastError, "region") {
		t.Fatalf("after the restart: %+v %v; want the delivery failed over its region", st, err)
	}
	desc, err := firehoseClient(again).DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("archive")})
	if err != nil {
		t.Fatal(err)
	}
	if f := desc.DeliveryStreamDescription.FailureDescription; f == nil || !strings.Contains(aws.ToString(f.Details), "failed: ") || !strings.Contains(aws.ToString(f.Details), "region") {
		t.Errorf("FailureDescription %+v, want the delivery's failure", f)
	}
}
