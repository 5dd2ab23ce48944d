package firehose

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
		{"invalid argument", reply{status: 400, errType: "InvalidArgumentException"}, permanent},
		{"access denied", reply{status: 400, errType: "AccessDeniedException"}, permanent},
		{"kms", reply{status: 400, errType: "InvalidKMSResourceException"}, permanent},
		{"kinesis source", reply{status: 400, errType: "InvalidSourceException"}, permanent},
		{"validation", reply{status: 400, errType: "ValidationException"}, permanent},
		{"namespaced type", reply{status: 400, errType: "com.amazonaws.firehose#ResourceNotFoundException"}, permanent},
		{"service unavailable", reply{status: 503, errType: "ServiceUnavailableException"}, retryable},
		{"limit exceeded", reply{status: 400, errType: "LimitExceededException"}, retryable},
		{"throttling", reply{status: 400, errType: "ThrottlingException"}, retryable},
		{"stream updating", reply{status: 400, errType: "ResourceInUseException"}, retryable},
		{"unknown client", reply{status: 400, errType: "UnrecognizedClientException"}, retryable},
		{"internal", reply{status: 500, errType: "InternalFailure"}, retryable},
		{"bad gateway html", reply{status: 502, body: "<html>bad gateway</html>"}, retryable},
		{"unavailable empty", reply{status: 503, body: " "}, retryable},
		{"short response list", reply{responses: 1}, retryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := newFakeFirehose(t, func(int, putRecordBatchRequest) reply { return tc.reply })
			s := newTestSink(t, url, "to-cloud")
			err := s.Send(context.Background(), numbered(3, 8))
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

// sanitized is an error type without its namespace, as codes are reported.
func sanitized(typ string) string {
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

func TestSendServerGone(t *testing.T) {
	url := fmt.Sprintf("http://127.0.0.1:%d", peer.FreePort(t))
	s := newTestSink(t, url, "to-cloud")
	if err := s.Send(context.Background(), numbered(3, 8)); !uplink.IsUnreachable(err) {
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
		{"unavailable", reply{status: 503, errType: unavailable}, unavailable},
		{"missing stream", reply{status: 400, errType: "ResourceNotFoundException"}, "ResourceNotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := newFakeFirehose(t, func(call int, _ putRecordBatchRequest) reply {
				if call == 1 {
					return tc.reply
				}
				return reply{}
			})
			s := newTestSink(t, url, "to-cloud")
			err := s.Send(context.Background(), numbered(1200, 8))
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

// Records over 1,000 KiB are never sent; they are permanent when nothing
// else failed, and ride along with retryable failures otherwise.
func TestSendRefusedRecords(t *testing.T) {
	tooBig := uplink.Record{Data: bytes.Repeat([]byte{'x'}, 1000<<10+1)}
	fits := uplink.Record{Data: bytes.Repeat([]byte{'x'}, 1000<<10)}
	ok := uplink.Record{Data: []byte("ok")}
	for _, tc := range []struct {
		name      string
		recs      []uplink.Record
		failOK    bool // the fake refuses the record "ok"
		failed    []int
		codes     []string
		permanent bool
		sent      int
	}{
		{"too large", []uplink.Record{ok, tooBig, fits}, false, []int{1}, []string{CodeRecordTooLarge}, true, 2},
		{"with a retryable failure", []uplink.Record{tooBig, ok}, true, []int{0, 1},
			[]string{CodeRecordTooLarge, unavailable}, false, 1},
		{"nothing sendable", []uplink.Record{tooBig, tooBig}, false, []int{0, 1},
			[]string{CodeRecordTooLarge, CodeRecordTooLarge}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, url := newFakeFirehose(t, func(int, putRecordBatchRequest) reply {
				return reply{fail: func(_ int, r wireRecord) string {
					if tc.failOK && string(r.Data) == "ok" {
						return unavailable
					}
					return ""
				}}
			})
			s := newTestSink(t, url, "to-cloud")
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

func TestSendEmptyBatchAndRecord(t *testing.T) {
	f, url := newFakeFirehose(t, nil)
	s := newTestSink(t, url, "to-cloud")
	if err := s.Send(context.Background(), &uplink.Batch{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), &uplink.Batch{ID: "b", Records: []uplink.Record{{}}}); err != nil {
		t.Fatal(err)
	}
	calls, accepted := f.snapshot()
	if len(calls) != 1 || len(accepted) != 1 || len(accepted[0]) != 0 {
		t.Fatalf("calls %+v", calls)
	}
}
