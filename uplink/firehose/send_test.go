package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

const unavailable = "ServiceUnavailableException"

func newTestSink(t *testing.T, endpoint, stream string) *Sink {
	t.Helper()
	awsEnv(t)
	s, err := New(context.Background(), Config{DeliveryStream: stream, Endpoint: endpoint, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// numbered makes n records of size bytes (at least 8), each starting with
// its number, all bytes from 0 to 255 in the rest so that base64 matters.
func numbered(n, size int) *uplink.Batch {
	b := &uplink.Batch{ID: "b1", Delivery: "d"}
	for i := range n {
		data := make([]byte, size)
		copy(data, fmt.Sprintf("%07d|", i))
		for j := 8; j < size; j++ {
			data[j] = byte(i + j)
		}
		b.Records = append(b.Records, uplink.Record{Stream: "sensors", PartitionKey: "k", Data: data})
		b.Bytes += size
	}
	return b
}

func failedIndices(t *testing.T, err error) []int {
	t.Helper()
	var pe *uplink.PartialError
	if !errors.As(err, &pe) {
		t.Fatalf("want *uplink.PartialError, got %v", err)
	}
	var idx []int
	for _, f := range pe.Failed {
		idx = append(idx, f.Index)
	}
	return idx
}

func TestSendSplitsCalls(t *testing.T) {
	f, url := newFakeFirehose(t, nil)
	s := newTestSink(t, url, "to-cloud")
	for _, tc := range []struct {
		name  string
		b     *uplink.Batch
		calls []int
	}{
		{"500 records a call", numbered(1234, 40), []int{500, 500, 234}},
		// 4 records of 1,000 KiB fit in 4 MiB, 5 do not.
		{"4 MiB a call", numbered(10, 1000<<10), []int{4, 4, 2}},
		{"one record", numbered(1, 8), []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, acceptedBefore := f.snapshot()
			if err := s.Send(context.Background(), tc.b); err != nil {
				t.Fatal(err)
			}
			calls, accepted := f.snapshot()
			var sizes []int
			for _, c := range calls[len(before):] {
				sizes = append(sizes, len(c.Records))
				total := 0
				for _, r := range c.Records {
					total += len(r.Data)
				}
				if total > 4<<20 {
					t.Errorf("a call of %d bytes", total)
				}
				if c.DeliveryStreamName != "to-cloud" {
					t.Errorf("delivery stream %q", c.DeliveryStreamName)
				}
			}
			if !slices.Equal(sizes, tc.calls) {
				t.Errorf("calls of %v records, want %v", sizes, tc.calls)
			}
			got := accepted[len(acceptedBefore):]
			if len(got) != len(tc.b.Records) {
				t.Fatalf("%d records arrived, want %d", len(got), len(tc.b.Records))
			}
			for i, r := range tc.b.Records {
				if !bytes.Equal(got[i], r.Data) {
					t.Fatalf("record %d arrived as %.20q", i, got[i])
				}
			}
		})
	}
}

func TestSendStreamARN(t *testing.T) {
	f, url := newFakeFirehose(t, nil)
	s := newTestSink(t, url, "arn:aws:firehose:eu-west-1:123456789012:deliverystream/to-cloud")
	if err := s.Send(context.Background(), numbered(2, 8)); err != nil {
		t.Fatal(err)
	}
	if calls, _ := f.snapshot(); len(calls) != 1 || calls[0].DeliveryStreamName != "to-cloud" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestSendPartialFailure(t *testing.T) {
	// 1,200 records: calls of 500, 500, 200. The first two refuse some.
	f, url := newFakeFirehose(t, func(call int, _ putRecordBatchRequest) reply {
		return reply{fail: func(pos int, _ wireRecord) string {
			switch {
			case call == 0 && pos == 3, call == 1 && pos == 499:
				return unavailable
			case call == 0 && pos == 100:
				return "InternalFailure"
			}
			return ""
		}}
	})
	s := newTestSink(t, url, "to-cloud")
	b := numbered(1200, 16)
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("want a retryable PartialError, got %v", err)
	}
	if got := failedIndices(t, err); !slices.Equal(got, []int{3, 100, 999}) {
		t.Fatalf("failed %v", got)
	}
	for i, want := range []string{unavailable, "InternalFailure", unavailable} {
		if fe := pe.Failed[i]; fe.Code != want || fe.Message != "Slow down." {
			t.Errorf("failure %d: %+v", i, fe)
		}
	}
	calls, accepted := f.snapshot()
	if len(calls) != 3 || len(accepted) != 1197 {
		t.Fatalf("%d calls, %d accepted", len(calls), len(accepted))
	}
}

// TestSendRetriesDeliverEverything plays the delivery engine: it resends
// only the failed records until none fail, against a stream refusing
// records at random. Every record must land exactly once.
func TestSendRetriesDeliverEverything(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	f, url := newFakeFirehose(t, func(int, putRecordBatchRequest) reply {
		return reply{fail: func(int, wireRecord) string {
			if rng.IntN(10) == 0 {
				return unavailable
			}
			return ""
		}}
	})
	s := newTestSink(t, url, "to-cloud")
	b := numbered(2000, 24)
	pending := b
	for attempt := 0; ; attempt++ {
		if attempt > 100 {
			t.Fatal("records still failing after 100 attempts")
		}
		err := s.Send(context.Background(), pending)
		if err == nil {
			break
		}
		next := &uplink.Batch{ID: b.ID}
		for _, i := range failedIndices(t, err) {
			next.Records = append(next.Records, pending.Records[i])
		}
		pending = next
	}
	_, accepted := f.snapshot()
	seen := map[string]bool{}
	for _, d := range accepted {
		if seen[string(d)] {
			t.Fatalf("%.8q arrived twice", d)
		}
		seen[string(d)] = true
	}
	for _, r := range b.Records {
		if !seen[string(r.Data)] {
			t.Fatalf("%.8q never arrived", r.Data)
		}
	}
}

// A sink shared by deliveries is used concurrently.
func TestSendConcurrently(t *testing.T) {
	f, url := newFakeFirehose(t, nil)
	s := newTestSink(t, url, "to-cloud")
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- s.Send(context.Background(), numbered(700, 16)) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, accepted := f.snapshot(); len(accepted) != 2800 {
		t.Fatalf("%d accepted", len(accepted))
	}
}
