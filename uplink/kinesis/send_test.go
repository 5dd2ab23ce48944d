package kinesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

const throttled = "ProvisionedThroughputExceededException"

func newTestSink(t *testing.T, endpoint string, stream string) *Sink {
	t.Helper()
	awsEnv(t)
	s, err := New(context.Background(), Config{Stream: stream, Endpoint: endpoint, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// keyedBatch makes n records over keys partition keys; a record's data
// names its key and its number within the key.
func keyedBatch(n, keys, size int) *uplink.Batch {
	b := &uplink.Batch{ID: "b1", Delivery: "d"}
	seq := map[string]int{}
	for i := range n {
		k := fmt.Sprintf("device-%02d", i%keys)
		d := fmt.Sprintf("%s/%06d/", k, seq[k])
		seq[k]++
		data := append([]byte(d), bytes.Repeat([]byte{'x'}, max(0, size-len(d)))...)
		b.Records = append(b.Records, uplink.Record{Stream: "sensors", PartitionKey: k, Data: data})
		b.Bytes += len(data)
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
	f, url := newFakeKinesis(t, nil)
	s := newTestSink(t, url, "sensors")
	small := keyedBatch(1234, 20, 50)
	big := keyedBatch(12, 3, 900<<10) // 5 records of 900 KiB fit in 5 MiB, 6 do not
	for _, tc := range []struct {
		name  string
		b     *uplink.Batch
		calls []int
	}{
		{"500 records a call", small, []int{500, 500, 234}},
		{"5 MiB a call", big, []int{5, 5, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := f.snapshot()
			if err := s.Send(context.Background(), tc.b); err != nil {
				t.Fatal(err)
			}
			calls, accepted := f.snapshot()
			var sizes []int
			for _, c := range calls[len(before):] {
				sizes = append(sizes, len(c.Records))
				total := 0
				for _, r := range c.Records {
					total += len(r.Data) + len(r.PartitionKey)
				}
				if total > 5<<20 {
					t.Errorf("a call of %d bytes", total)
				}
				if c.StreamName != "sensors" || c.StreamARN != "" {
					t.Errorf("stream %q arn %q", c.StreamName, c.StreamARN)
				}
			}
			if !slices.Equal(sizes, tc.calls) {
				t.Errorf("calls of %v records, want %v", sizes, tc.calls)
			}
			got := accepted[len(accepted)-len(tc.b.Records):]
			for i, r := range tc.b.Records {
				if got[i].PartitionKey != r.PartitionKey || !bytes.Equal(got[i].Data, r.Data) {
					t.Fatalf("record %d arrived as %q/%.20q", i, got[i].PartitionKey, got[i].Data)
				}
			}
		})
	}
}

func TestSendStreamARN(t *testing.T) {
	f, url := newFakeKinesis(t, nil)
	const arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/sensors"
	s := newTestSink(t, url, arn)
	if err := s.Send(context.Background(), keyedBatch(3, 2, 10)); err != nil {
		t.Fatal(err)
	}
	calls, _ := f.snapshot()
	if len(calls) != 1 || calls[0].StreamARN != arn || calls[0].StreamName != "" {
		t.Fatalf("calls %+v", calls)
	}
}

func TestSendPartialFailure(t *testing.T) {
	// 1,200 records over 20 keys: calls of 500, 500, 200. The first call
	// refuses its records 7 (device-07) and 30 (device-10).
	f, url := newFakeKinesis(t, func(call int, _ putRecordsRequest) reply {
		if call != 0 {
			return reply{}
		}
		return reply{fail: func(pos int, _ wireRecord) string {
			switch pos {
			case 7:
				return throttled
			case 30:
				return "InternalFailure"
			}
			return ""
		}}
	})
	s := newTestSink(t, url, "sensors")
	b := keyedBatch(1200, 20, 40)
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("want a retryable PartialError, got %v", err)
	}
	// Failed: 7 and 30, and every later record of device-07 and device-10
	// in the following calls (held back), nothing else.
	var want []int
	for i := range b.Records {
		if i == 7 || i == 30 || (i >= 500 && (i%20 == 7 || i%20 == 10)) {
			want = append(want, i)
		}
	}
	if got := failedIndices(t, err); !slices.Equal(got, want) {
		t.Fatalf("failed %v\nwant %v", got, want)
	}
	for _, fe := range pe.Failed {
		switch {
		case fe.Index == 7 && (fe.Code != throttled || !strings.Contains(fe.Message, "Rate exceeded")):
			t.Errorf("record 7: %+v", fe)
		case fe.Index == 30 && fe.Code != "InternalFailure":
			t.Errorf("record 30: %+v", fe)
		case fe.Index >= 500 && !strings.Contains(fe.Message, "held back"):
			t.Errorf("record %d: %+v", fe.Index, fe)
		}
	}
	calls, accepted := f.snapshot()
	if len(calls) != 3 || len(calls[1].Records) != 450 || len(calls[2].Records) != 180 {
		t.Fatalf("%d calls", len(calls))
	}
	if len(accepted) != len(b.Records)-len(want) {
		t.Fatalf("%d accepted", len(accepted))
	}
}

// TestSendRetriesKeepKeyOrder plays the delivery engine: it resends only
// the failed records until none fail, against a stream that throttles
// some keys from some point of each call on (as a hot shard does). Every
// record must land once, each key's records in order.
func TestSendRetriesKeepKeyOrder(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			fake, url := newFakeKinesis(t, func(call int, req putRecordsRequest) reply {
				if rng.IntN(4) == 0 {
					return reply{}
				}
				cut := map[string]int{}
				for range 3 {
					k := req.Records[rng.IntN(len(req.Records))].PartitionKey
					cut[k] = rng.IntN(len(req.Records))
				}
				return reply{fail: func(pos int, r wireRecord) string {
					if c, ok := cut[r.PartitionKey]; ok && pos >= c {
						return throttled
					}
					return ""
				}}
			})
			s := newTestSink(t, url, "sensors")
			b := keyedBatch(2000, 20, 30)
			pending := b
			for attempt := 0; ; attempt++ {
				if attempt > 200 {
					t.Fatal("records still failing after 200 attempts")
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
			_, accepted := fake.snapshot()
			checkDelivered(t, b, accepted)
		})
	}
}

// checkDelivered checks that every record of b arrived exactly once with its
// partition key, each key's records in order (keyedBatch numbers them).
func checkDelivered(t *testing.T, b *uplink.Batch, got []wireRecord) {
	t.Helper()
	if len(got) != len(b.Records) {
		t.Errorf("%d records arrived, want %d", len(got), len(b.Records))
	}
	seen := map[string]bool{}
	next := map[string]int{}
	for _, r := range got {
		name := string(r.Data[:strings.LastIndexByte(string(r.Data[:20]), '/')])
		if seen[name] {
			t.Fatalf("%s arrived twice", name)
		}
		seen[name] = true
		var key string
		var n int
		if _, err := fmt.Sscanf(strings.Replace(name, "/", " ", 1), "%s %d", &key, &n); err != nil {
			t.Fatalf("record %q: %v", name, err)
		}
		if key != r.PartitionKey {
			t.Fatalf("record %s arrived with partition key %q", name, r.PartitionKey)
		}
		if n != next[key] {
			t.Fatalf("key %s: record %d arrived when %d was due", key, n, next[key])
		}
		next[key]++
	}
}

// A sink shared by deliveries is used concurrently.
func TestSendConcurrently(t *testing.T) {
	f, url := newFakeKinesis(t, nil)
	s := newTestSink(t, url, "sensors")
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- s.Send(context.Background(), keyedBatch(700, 20, 16)) }()
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
