package kinesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/uplink"
)

type verdict int

const (
	retryable verdict = iota
	permanent
	unreachable
)

func verdictOf(err error) verdict {
	switch _, perm := uplink.IsPermanent(err); {
	case perm:
		return permanent
	case uplink.IsUnreachable(err):
		return unreachable
	}
	return retryable
}

func TestSendWholeCallErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply reply
		want  verdict
	}{
		{"missing stream", reply{status: 400, errType: "ResourceNotFoundException"}, permanent},
		{"access denied", reply{status: 400, errType: "AccessDeniedException"}, permanent},
		{"validation", reply{status: 400, errType: "ValidationException"}, permanent},
		{"invalid argument", reply{status: 400, errType: "InvalidArgumentException"}, permanent},
		{"kms disabled", reply{status: 400, errType: "KMSDisabledException"}, permanent},
		{"kms not found", reply{status: 400, errType: "KMSNotFoundException"}, permanent},
		{"kms access denied", reply{status: 400, errType: "KMSAccessDeniedException"}, permanent},
		{"namespaced type", reply{status: 400, errType: "com.amazonaws.kinesis.v20131202#ResourceNotFoundException"}, permanent},
		{"throughput exceeded", reply{status: 400, errType: "ProvisionedThroughputExceededException"}, retryable},
		{"limit exceeded", reply{status: 400, errType: "LimitExceededException"}, retryable},
		{"kms throttling", reply{status: 400, errType: "KMSThrottlingException"}, retryable},
		{"unknown client", reply{status: 400, errType: "UnrecognizedClientException"}, retryable},
		{"internal failure", reply{status: 500, errType: "InternalFailure"}, retryable},
		{"bad gateway html", reply{status: 502, body: "<html>bad gateway</html>"}, retryable},
		{"unavailable empty", reply{status: 503, body: " "}, retryable},
		{"short result list", reply{results: 1}, retryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := newFakeKinesis(t, func(int, putRecordsRequest) reply { return tc.reply })
			s := newTestSink(t, url, "sensors")
			err := s.Send(context.Background(), keyedBatch(3, 2, 10))
			if err == nil {
				t.Fatal("no error")
			}
			var pe *uplink.PartialError
			if errors.As(err, &pe) {
				t.Fatalf("a failed first call is not partial: %v", err)
			}
			if got := verdictOf(err); got != tc.want {
				t.Fatalf("verdict %d, want %d: %v", got, tc.want, err)
			}
			if code, ok := uplink.IsPermanent(err); ok && code != sanitized(tc.reply.errType) {
				t.Errorf("code %q, want the error type", code)
			}
		})
	}
}

func TestSendServerGone(t *testing.T) {
	url := fmt.Sprintf("http://127.0.0.1:%d", peer.FreePort(t))
	s := newTestSink(t, url, "sensors")
	err := s.Send(context.Background(), keyedBatch(3, 2, 10))
	if !uplink.IsUnreachable(err) {
		t.Fatalf("want Unreachable, got %v", err)
	}
}

// A call failing as a whole after an earlier one went through: the
// delivered records must not be sent again, so the rest comes back as a
// retryable PartialError, whatever the error.
func TestSendWholeCallErrorMidBatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply reply
		code  string
	}{
		{"server error", reply{status: 500, errType: "InternalFailure"}, "InternalFailure"},
		{"missing stream", reply{status: 400, errType: "ResourceNotFoundException"}, "ResourceNotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := newFakeKinesis(t, func(call int, _ putRecordsRequest) reply {
				if call == 1 {
					return tc.reply
				}
				return reply{}
			})
			s := newTestSink(t, url, "sensors")
			b := keyedBatch(1200, 20, 10)
			err := s.Send(context.Background(), b)
			var pe *uplink.PartialError
			if !errors.As(err, &pe) || pe.Permanent {
				t.Fatalf("want a retryable PartialError, got %v", err)
			}
			var want []int
			for i := 500; i < 1200; i++ {
				want = append(want, i)
			}
			if got := failedIndices(t, err); !slices.Equal(got, want) {
				t.Fatalf("failed %d records from %d, want 500..1199", len(got), got[0])
			}
			if pe.Failed[0].Code != tc.code {
				t.Errorf("code %q, want %q", pe.Failed[0].Code, tc.code)
			}
		})
	}
}

// Records Kinesis would refuse are never sent; they are permanent when
// nothing else failed, and ride along with retryable failures otherwise.
func TestSendRefusedRecords(t *testing.T) {
	tooBig := uplink.Record{PartitionKey: "k", Data: bytes.Repeat([]byte{'x'}, 1<<20)} // + 1 key byte
	fits := uplink.Record{PartitionKey: "k", Data: bytes.Repeat([]byte{'x'}, 1<<20-1)}
	noKey := uplink.Record{Data: []byte("x")}
	longKey := uplink.Record{PartitionKey: string(bytes.Repeat([]byte("é"), 257)), Data: []byte("x")}
	badKey := uplink.Record{PartitionKey: "\xff", Data: []byte("x")}
	ok := uplink.Record{PartitionKey: "a", Data: []byte("ok")}
	for _, tc := range []struct {
		name      string
		recs      []uplink.Record
		failOK    bool // the fake throttles the record "ok"
		failed    []int
		codes     []string
		permanent bool
		sent      int
	}{
		{"too large", []uplink.Record{ok, tooBig, fits}, false, []int{1}, []string{CodeRecordTooLarge}, true, 2},
		{"bad keys", []uplink.Record{noKey, ok, longKey, badKey}, false, []int{0, 2, 3},
			[]string{CodeInvalidPartitionKey, CodeInvalidPartitionKey, CodeInvalidPartitionKey}, true, 1},
		{"with a retryable failure", []uplink.Record{ok, tooBig}, true, []int{0, 1},
			[]string{throttled, CodeRecordTooLarge}, false, 1},
		{"nothing sendable", []uplink.Record{tooBig}, false, []int{0}, []string{CodeRecordTooLarge}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, url := newFakeKinesis(t, func(int, putRecordsRequest) reply {
				return reply{fail: func(_ int, r wireRecord) string {
					if tc.failOK && string(r.Data) == "ok" {
						return throttled
					}
					return ""
				}}
			})
			s := newTestSink(t, url, "sensors")
			err := s.Send(context.Background(), &uplink.Batch{ID: "b", Records: tc.recs})
			var pe *uplink.PartialError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PartialError, got %v", err)
			}
			if pe.Permanent != tc.permanent {
				t.Errorf("permanent %v", pe.Permanent)
			}
			var codes []string
			for _, fe := range pe.Failed {
				codes = append(codes, fe.Code)
			}
			if got := failedIndices(t, err); !slices.Equal(got, tc.failed) || !slices.Equal(codes, tc.codes) {
				t.Errorf("failed %v %v, want %v %v", got, codes, tc.failed, tc.codes)
			}
			calls, _ := f.snapshot()
			sent := 0
			for _, c := range calls {
				sent += len(c.Records)
			}
			if sent != tc.sent {
				t.Errorf("%d records sent, want %d", sent, tc.sent)
			}
		})
	}
}

func TestSendEmptyBatch(t *testing.T) {
	f, url := newFakeKinesis(t, nil)
	s := newTestSink(t, url, "sensors")
	if err := s.Send(context.Background(), &uplink.Batch{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), &uplink.Batch{ID: "b", Records: []uplink.Record{{PartitionKey: "k"}}}); err != nil {
		t.Fatal(err)
	}
	calls, accepted := f.snapshot()
	if len(calls) != 1 || len(accepted) != 1 || len(accepted[0].Data) != 0 {
		t.Fatalf("calls %+v", calls)
	}
}

// sanitized is an error type without its namespace, as codes are reported.
func sanitized(typ string) string {
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		return typ[i+1:]
	}
	return typ
}
