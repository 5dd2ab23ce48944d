package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tidegate/tidegate/uplink"
)

const testTopic = "tidegate-events"

// cluster starts an in-process Kafka cluster (kfake speaks the real wire
// protocol) with testTopic in six partitions, closed at the end of the test.
func cluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(6, testTopic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// batch makes n records spread over keys partition keys; record i has key
// "device-<i%keys>" and a payload that compresses well and names i, so
// per-key order can be checked on the way back.
func batch(id string, first, n, keys int) *uplink.Batch {
	b := &uplink.Batch{ID: id, Delivery: "to-kafka", Created: time.Now()}
	for i := first; i < first+n; i++ {
		data := fmt.Appendf(nil, `{"n":%d,"reading":"%s"}`+"\n", i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		b.Records = append(b.Records, uplink.Record{
			Stream:       "sensors",
			ShardID:      "shardId-000000000000",
			Sequence:     fmt.Sprintf("49%054d", i),
			PartitionKey: fmt.Sprintf("device-%d", i%keys),
			Arrival:      time.UnixMilli(1_700_000_000_000 + int64(i)),
			Data:         data,
		})
		b.Bytes += len(data)
	}
	return b
}

// consume reads the topic from the start until want records arrived.
func consume(t *testing.T, c *kfake.Cluster, want int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(testTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records before the deadline", len(got), want)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		got = append(got, fs.Records()...)
	}
	// Anything more would be a duplicate: poll once more, briefly.
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	got = append(got, cl.PollFetches(short).Records()...)
	return got
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
