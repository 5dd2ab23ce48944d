package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// The edge signs its PutRecordBatch calls with this key (from the standard
// chain's environment); the hub keys the records of one sender by it.
const (
	hubEdgeKeyID  = "AKIDEDGEGATEWAY1"
	hubEdgeSecret = "edge-secret"
)

// hubPayload is what the tests put: a partition key and a counter per key,
// so order and duplicates can be told apart at the far end.
type hubPayload struct {
	K string `json:"k"`
	N int    `json:"n"`
}

func (p hubPayload) id() string { return fmt.Sprintf("%s/%d", p.K, p.N) }

// hubEnv points the standard AWS chain at the edge's static key and away
// from whatever the machine has configured.
func hubEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", hubEdgeKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", hubEdgeSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/tidegate-test-aws-config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tidegate-test-aws-credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// firehoseClient speaks to a gateway's Firehose API as an AWS SDK user does.
func firehoseClient(g *Gateway) *firehose.Client {
	return firehose.New(firehose.Options{
		BaseEndpoint: aws.String("http://" + g.Addr().String()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDHUBADMIN", "admin-secret", ""), RetryMaxAttempts: 1,
	})
}

// createHubStream creates a DirectPut delivery stream without a destination:
// the hub only stores what the edges send, in a stream of the same name.
func createHubStream(t *testing.T, hub *Gateway, name string) string {
	t.Helper()
	out, err := firehoseClient(hub).CreateDeliveryStream(context.Background(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), DeliveryStreamType: fhtypes.DeliveryStreamTypeDirectPut,
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream on the hub: %v", err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

// streamRecords reads every record of a stream, shard after shard.
func streamRecords(t *testing.T, s *shards.Stream) []shards.Record {
	t.Helper()
	var out []shards.Record
	for _, sh := range s.Shards() {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res.Records...)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return out
}

// orderCheck follows, per key, the counters as the hub stored them. A
// counter may repeat one seen before (a duplicate: the same record sent
// again) but may not skip ahead of the next one due, which would mean a
// record overtook an earlier one of its key.
type orderCheck struct {
	next  map[string]int // key → the counter due next
	seen  map[string]int // payload id → copies
	dups  int
	wrong []string
}

func newOrderCheck() *orderCheck {
	return &orderCheck{next: map[string]int{}, seen: map[string]int{}}
}

func (o *orderCheck) add(p hubPayload) {
	if o.seen[p.id()]++; o.seen[p.id()] > 1 {
		o.dups++
	}
	switch due := o.next[p.K]; {
	case p.N == due:
		o.next[p.K] = due + 1
	case p.N < due:
		// Sent again after an earlier copy: allowed, counted as a duplicate.
	default:
		if len(o.wrong) < 10 {
			o.wrong = append(o.wrong, fmt.Sprintf("%s: counter %d arrived while %d was due", p.K, p.N, due))
		}
	}
}

// hubHolding reads the hub's backing stream into an orderCheck, checking
// that every record is a payload of the edge under the edge's key.
func hubHolding(t *testing.T, hub *Gateway, stream string) *orderCheck {
	t.Helper()
	s, err := hub.Store().Stream(stream)
	if err != nil {
		t.Fatalf("hub backing stream: %v", err)
	}
	o := newOrderCheck()
	for _, r := range streamRecords(t, s) {
		var p hubPayload
		if err := json.Unmarshal(r.Data, &p); err != nil || p.K == "" {
			t.Fatalf("hub record %q is not an edge payload: %v", r.Data, err)
		}
		if r.PartitionKey != hubEdgeKeyID {
			t.Fatalf("hub record %s has partition key %q, want the edge's access key id %q", p.id(), r.PartitionKey, hubEdgeKeyID)
		}
		o.add(p)
	}
	return o
}

// waitUntil polls cond every 20 ms for up to d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// edgeConfig is an edge with a stream `sensors` delivered to a hub's
// delivery stream through the firehose destination.
func edgeConfig(endpoint, deliveryStream string) string {
	return fmt.Sprintf(`
streams:
  - { name: sensors, shards: 4 }
deliveries:
  - name: to-hub
    from: sensors
    to: { type: firehose, delivery_stream: %s, endpoint: %q, region: us-east-1 }
    buffer: { interval: 0s }
`, deliveryStream, endpoint)
}

func TestFirehoseToSecondTidegateAsHub(t *testing.T) {
	hubEnv(t)
	const (
		stream = "edge-data"
		keys   = 20
		total  = 5000
	)
	hub := startGateway(t, testConfig(t, ""))
	arn := createHubStream(t, hub, stream)
	edge := startGateway(t, testConfig(t, edgeConfig("http://"+hub.Addr().String(), stream)))

	// 5,000 records under 20 keys through the edge's Kinesis API, each
	// carrying its key and a counter of its key.
	ctx := context.Background()
	kc := kinesisClient(edge, "AKIDPRODUCER", "producer")
	next := map[string]int{}
	for i := 0; i < total; i += 500 {
		var entries []kinesistypes.PutRecordsRequestEntry
		for j := i; j < min(i+500, total); j++ {
			k := fmt.Sprintf("key%02d", j%keys)
			data, _ := json.Marshal(hubPayload{K: k, N: next[k]})
			next[k]++
			entries = append(entries, kinesistypes.PutRecordsRequestEntry{PartitionKey: aws.String(k), Data: data})
		}
		out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("sensors"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords to the edge: %v (%d failed)", err, aws.ToInt32(out.FailedRecordCount))
		}
	}

	waitUntil(t, 25*time.Second, "the edge to deliver 5,000 records", func() bool {
		st, err := edge.Deliveries().Status("to-hub")
		return err == nil && st.RecordsDelivered >= total && st.BacklogRecords == 0
	})

	// The hub holds every record exactly once, each key's in order.
	got := hubHolding(t, hub, stream)
	if len(got.seen) != total || got.dups != 0 {
		t.Errorf("the hub holds %d distinct records and %d duplicates; want %d and 0", len(got.seen), got.dups, total)
	}
	for k, n := range next {
		if got.next[k] != n {
			t.Errorf("%s: the hub has counters 0..%d in order, want 0..%d", k, got.next[k]-1, n-1)
		}
	}
	for _, w := range got.wrong {
		t.Errorf("order: %s", w)
	}

	// The edge's account of it, from the manager and from its REST API.
	st, err := edge.Deliveries().Status("to-hub")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != uplink.StateDelivering || st.RecordsDelivered != total || st.BacklogRecords != 0 ||
		st.MillisBehindLatest != 0 || st.DeadLettered != 0 || st.Redelivered != 0 || st.Destination != "firehose" {
		t.Errorf("edge status: %+v", st)
	}
	code, body := get(t, http.DefaultClient, "http://"+edge.Addr().String()+"/api/v1/deliveries/to-hub")
	var view deliveryView
	if err := json.Unmarshal([]byte(body), &view); code != http.StatusOK || err != nil ||
		view.State != uplink.StateDelivering || view.RecordsDelivered != total || view.BacklogRecords != 0 || view.Origin != originConfig {
		t.Errorf("GET /api/v1/deliveries/to-hub: %d %s", code, body)
	}

	// The hub describes the delivery stream as Firehose would.
	desc, err := firehoseClient(hub).DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(stream)})
	if err != nil {
		t.Fatalf("DescribeDeliveryStream: %v", err)
	}
	d := desc.DeliveryStreamDescription
	if aws.ToString(d.DeliveryStreamName) != stream || aws.ToString(d.DeliveryStreamARN) != arn ||
		d.DeliveryStreamStatus != fhtypes.DeliveryStreamStatusActive || d.DeliveryStreamType != fhtypes.DeliveryStreamTypeDirectPut ||
		d.FailureDescription != nil || len(d.Destinations) != 0 || !strings.HasSuffix(arn, ":deliverystream/"+stream) {
		t.Errorf("DescribeDeliveryStream: %+v", d)
	}
}
