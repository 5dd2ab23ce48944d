package kafka

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tidegate/tidegate/uplink"
)

func TestSendDeliversEveryRecordOnceInKeyOrder(t *testing.T) {
	const batches, perBatch, keys = 3, 200, 20
	for _, tc := range []struct {
		compression string
		codec       uint8 // the batch attribute Kafka stores
	}{
		{"none", 0}, {"gzip", 1}, {"snappy", 2}, {"lz4", 3}, {"zstd", 4},
	} {
		t.Run(tc.compression, func(t *testing.T) {
			c := cluster(t)
			s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, Compression: tc.compression, ClientID: "tidegate-test"})
			var sent []uplink.Record
			for i := range batches {
				b := batch(strconv.Itoa(i), i*perBatch, perBatch, keys)
				if err := s.Send(context.Background(), b); err != nil {
					t.Fatalf("send batch %d: %v", i, err)
				}
				sent = append(sent, b.Records...)
			}

			got := consume(t, c, len(sent))
			if len(got) != len(sent) {
				t.Fatalf("consumed %d records, sent %d", len(got), len(sent))
			}
			bySeq := map[string]uplink.Record{}
			for _, r := range sent {
				bySeq[r.Sequence] = r
			}
			seen := map[string]bool{}
			last := map[string]int{} // key → last n seen
			partitionOf := map[string]int32{}
			for _, r := range got {
				seq := header(r, HeaderSequence)
				want, ok := bySeq[seq]
				switch {
				case !ok:
					t.Fatalf("consumed a record with unknown sequence %q", seq)
				case seen[seq]:
					t.Fatalf("record %s consumed twice", seq)
				case string(r.Key) != want.PartitionKey:
					t.Errorf("record %s: key %q, want %q", seq, r.Key, want.PartitionKey)
				case string(r.Value) != string(want.Data):
					t.Errorf("record %s: value %q, want %q", seq, r.Value, want.Data)
				case header(r, HeaderStream) != want.Stream:
					t.Errorf("record %s: stream header %q", seq, header(r, HeaderStream))
				case !r.Timestamp.Equal(want.Arrival):
					t.Errorf("record %s: timestamp %v, want %v", seq, r.Timestamp, want.Arrival)
				case r.Attrs.CompressionType() != tc.codec:
					t.Errorf("record %s: compression %d, want %d", seq, r.Attrs.CompressionType(), tc.codec)
				}
				seen[seq] = true
				key := string(r.Key)
				if p, ok := partitionOf[key]; ok && p != r.Partition {
					t.Errorf("key %s in partitions %d and %d", key, p, r.Partition)
				}
				partitionOf[key] = r.Partition
				n := recordNumber(t, r.Value)
				if prev, ok := last[key]; ok && n <= prev {
					t.Errorf("key %s: record %d after %d", key, n, prev)
				}
				last[key] = n
			}
			if len(last) != keys {
				t.Errorf("%d keys consumed, want %d", len(last), keys)
			}
			parts := map[int32]bool{}
			for _, p := range partitionOf {
				parts[p] = true
			}
			if len(parts) < 2 {
				t.Errorf("all keys went to one partition: %v", parts)
			}
		})
	}
}

func recordNumber(t *testing.T, v []byte) int {
	t.Helper()
	s, _, ok := strings.Cut(strings.TrimPrefix(string(v), `{"n":`), ",")
	n, err := strconv.Atoi(s)
	if !ok || err != nil {
		t.Fatalf("value %q has no record number", v)
	}
	return n
}

func TestSendRecordTooLargeIsPermanentForThatRecord(t *testing.T) {
	c := cluster(t)
	s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, MaxMessageBytes: 1024})
	b := batch("big", 0, 10, 5)
	b.Records[3].Data = []byte(strings.Repeat("x", 4096))

	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("send: %v, want a *uplink.PartialError", err)
	}
	if !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != 3 || pe.Failed[0].Code != "Kafka.MESSAGE_TOO_LARGE" {
		t.Fatalf("partial error %+v, want only record 3, permanent, Kafka.MESSAGE_TOO_LARGE", pe)
	}
	if got := consume(t, c, 9); len(got) != 9 {
		t.Fatalf("consumed %d records, want the 9 that fit", len(got))
	}
}

func TestSendUnknownTopicIsPermanent(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	c := cluster(t)
	s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: "no-such-topic", Timeout: 5 * time.Second})
	err := s.Send(context.Background(), batch("1", 0, 4, 2))
	code, ok := uplink.IsPermanent(err)
	if !ok || code != "Kafka.UNKNOWN_TOPIC_OR_PARTITION" {
		t.Fatalf("send: %v (code %q), want permanent Kafka.UNKNOWN_TOPIC_OR_PARTITION", err, code)
	}
}

func TestSendUnreachable(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	t.Run("cluster closed", func(t *testing.T) {
		c := cluster(t)
		s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, Timeout: time.Second})
		if err := s.Send(context.Background(), batch("1", 0, 10, 3)); err != nil {
			t.Fatalf("send while up: %v", err)
		}
		c.Close()
		err := s.Send(context.Background(), batch("2", 10, 10, 3))
		if !uplink.IsUnreachable(err) {
			t.Fatalf("send after close: %v, want unreachable", err)
		}
	})
	t.Run("no broker ever", func(t *testing.T) {
		s := newSink(t, Config{Brokers: []string{deadAddr(t)}, Topic: testTopic, Timeout: time.Second})
		err := s.Send(context.Background(), batch("1", 0, 10, 3))
		if !uplink.IsUnreachable(err) {
			t.Fatalf("send: %v, want unreachable", err)
		}
	})
}

// A broker that takes a produce request and never answers: the idempotent
// producer cannot fail records in flight, so Send ends by the context's
// deadline or, without one, by its own limit.
func TestSendSilentBrokerEnds(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		ctx     time.Duration
		wantCtx bool
	}{
		{"context deadline", 30 * time.Second, 300 * time.Millisecond, true},
		{"own limit", 500 * time.Millisecond, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster(t)
			c.ControlKey(0, func(kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				return nil, nil, true // swallow: no answer ever
			})
			s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, Timeout: tc.timeout})
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			err := s.Send(ctx, batch("1", 0, 10, 3))
			if !uplink.IsUnreachable(err) {
				t.Fatalf("send: %v, want unreachable", err)
			}
			if got := errors.Is(err, context.DeadlineExceeded); got != tc.wantCtx {
				t.Fatalf("send: %v; context deadline in it: %v, want %v", err, got, tc.wantCtx)
			}
		})
	}
}

// A Send abandoned while its records are on the wire leaves them in the
// producer; the retry waits for their fate instead of producing copies,
// and skips those Kafka acknowledged.
func TestSendRetryAfterAbandonDoesNotDuplicate(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	c := cluster(t)
	release := make(chan struct{})
	var slept atomic.Bool
	c.ControlKey(0, func(kmsg.Request) (kmsg.Response, error, bool) {
		if slept.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false // then handle it as usual
	})
	s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, Timeout: 2 * time.Second})
	b := batch("1", 0, 30, 5)
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}

	if err := s.Send(short(), b); !uplink.IsUnreachable(err) {
		close(release)
		t.Fatalf("send to a broker that does not answer: %v, want unreachable", err)
	}
	err := s.Send(short(), b)
	close(release)
	if !uplink.IsUnreachable(err) || !strings.Contains(err.Error(), "earlier attempt") {
		t.Fatalf("retry while the first attempt is in flight: %v, want unreachable, waiting for the earlier attempt", err)
	}
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatalf("retry after the broker answered: %v", err)
	}
	got := consume(t, c, len(b.Records))
	seen := map[string]bool{}
	for _, r := range got {
		seq := header(r, HeaderSequence)
		if seen[seq] {
			t.Fatalf("record %s produced twice", seq)
		}
		seen[seq] = true
	}
	if len(seen) != len(b.Records) {
		t.Fatalf("consumed %d records, want %d", len(seen), len(b.Records))
	}
}

func TestSendTopicAuthorizationFailedIsPermanent(t *testing.T) {
	c := cluster(t)
	c.ControlKey(0, func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return refuseProduce(req, 29), nil, true // TOPIC_AUTHORIZATION_FAILED
	})
	s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, Timeout: 5 * time.Second})
	err := s.Send(context.Background(), batch("1", 0, 6, 3))
	if code, ok := uplink.IsPermanent(err); !ok || code != "Kafka.TOPIC_AUTHORIZATION_FAILED" {
		t.Fatalf("send: %v (code %q), want permanent Kafka.TOPIC_AUTHORIZATION_FAILED", err, code)
	}
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	c := cluster(t)
	addr := c.ListenAddrs()[0]
	c.Close()
	return addr
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := New(context.Background(), Config{Topic: testTopic})
	if !errors.Is(err, uplink.ErrConfig) {
		t.Fatalf("New without brokers: %v, want ErrConfig", err)
	}
	_, err = New(context.Background(), Config{Brokers: []string{"127.0.0.1:9"}, Topic: testTopic, TLS: &TLS{CAFile: "/nonexistent/ca.pem"}})
	if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), "tls.ca_file") {
		t.Fatalf("New with a missing CA file: %v, want ErrConfig naming tls.ca_file", err)
	}
}

func TestSendEmptyBatch(t *testing.T) {
	s := newSink(t, Config{Brokers: []string{"127.0.0.1:9"}, Topic: testTopic})
	if err := s.Send(context.Background(), &uplink.Batch{ID: "empty"}); err != nil {
		t.Fatalf("send of an empty batch: %v", err)
	}
}

// refuseProduce answers a produce request with code for every partition,
// as a broker does for TOPIC_AUTHORIZATION_FAILED.
func refuseProduce(req kmsg.Request, code int16) kmsg.Response {
	pr := req.(*kmsg.ProduceRequest)
	resp := pr.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range pr.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}
