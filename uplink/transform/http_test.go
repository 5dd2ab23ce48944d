package transform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// upperServer is a transform endpoint running upperAnswer, checking every
// event to the letter.
func upperServer(t *testing.T) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var invocations []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Authorization") != "Bearer t0ken" {
			t.Errorf("request %s %v", r.Method, r.Header)
		}
		body, _ := io.ReadAll(r.Body)
		var head struct{ InvocationID string }
		_ = json.Unmarshal(body, &head)
		mu.Lock()
		invocations = append(invocations, head.InvocationID)
		mu.Unlock()
		answer, err := upperAnswer(body, func(string) {})
		if err != nil {
			t.Errorf("event breaks the contract: %v", err)
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &invocations
}

func newHTTP(t *testing.T, cfg HTTPConfig) *HTTP {
	t.Helper()
	h, err := NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHTTPTransform(t *testing.T) {
	srv, invocations := upperServer(t)
	h := newHTTP(t, HTTPConfig{URL: srv.URL + "/transform?key=k", Headers: map[string]string{"Authorization": "Bearer t0ken"}})
	recs := testRecords("hello", "please drop me", "fail this one", "", "<b>&amp;</b>", "ünïcödé\n", "\x00\xff binary")
	res, err := h.Transform(context.Background(), "to-cloud", recs)
	if err != nil {
		t.Fatal(err)
	}
	checkUpper(t, recs, res)
	if len(*invocations) != 1 {
		t.Fatalf("%d invocations, want 1", len(*invocations))
	}
}

func TestHTTPSplitsInvocations(t *testing.T) {
	for _, tc := range []struct {
		name                string
		maxRecords, payload int
		n, size, want       int
	}{
		{"by records", 10, 0, 25, 10, 3},
		{"by payload", 0, 4096, 20, 1000, 10}, // two 1000-byte records fit a 4 KiB event
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, invocations := upperServer(t)
			h := newHTTP(t, HTTPConfig{URL: srv.URL, Headers: map[string]string{"authorization": "Bearer t0ken"}, Invocation: Invocation{MaxRecords: tc.maxRecords, MaxPayload: tc.payload}})
			datas := make([]string, tc.n)
			for i := range datas {
				datas[i] = fmt.Sprintf("%0*d", tc.size, i)
			}
			recs := testRecords(datas...)
			res, err := h.Transform(context.Background(), "d", recs)
			if err != nil {
				t.Fatal(err)
			}
			checkUpper(t, recs, res)
			seen := map[string]bool{}
			for _, id := range *invocations {
				if seen[id] {
					t.Fatalf("invocation id %s used twice", id)
				}
				seen[id] = true
			}
			if len(seen) != tc.want {
				t.Fatalf("%d invocations, want %d", len(seen), tc.want)
			}
		})
	}
}

// Answers that break the contract fail their records, not the call.
func TestHTTPAnswerProblems(t *testing.T) {
	recs := testRecords("a", "b", "c")
	ok := func(id, data string) string {
		return fmt.Sprintf(`{"recordId":%q,"result":"Ok","data":%q}`, id, data)
	}
	for _, tc := range []struct {
		name    string
		answers []string
		want    []string // result per record
		problem string   // expected in the warning, "" for none
	}{
		{"all ok, data changed", []string{ok("rec-000", "QQ=="), ok("rec-001", "Qg=="), ok("rec-002", "")}, []string{"Ok", "Ok", "Ok"}, ""},
		{"mixed results, any order", []string{`{"recordId":"rec-002","result":"ProcessingFailed"}`, `{"recordId":"rec-001","result":"Dropped"}`, ok("rec-000", "QQ==")},
			[]string{"Ok", "Dropped", "ProcessingFailed"}, ""},
		{"missing id", []string{ok("rec-000", "QQ==")}, []string{"Ok", "ProcessingFailed", "ProcessingFailed"}, "not answered"},
		{"unknown id ignored", []string{ok("rec-000", "QQ=="), ok("rec-001", "QQ=="), ok("rec-002", "QQ=="), ok("rec-999", "QQ==")},
			[]string{"Ok", "Ok", "Ok"}, "was not in the event"},
		{"duplicate", []string{ok("rec-000", "QQ=="), ok("rec-000", "Qg=="), ok("rec-001", "QQ=="), ok("rec-002", "QQ==")},
			[]string{"ProcessingFailed", "Ok", "Ok"}, "answered more than once"},
		{"bad result", []string{`{"recordId":"rec-000","result":"OK","data":"QQ=="}`, ok("rec-001", "QQ=="), ok("rec-002", "QQ==")},
			[]string{"ProcessingFailed", "Ok", "Ok"}, "is not Ok, Dropped or ProcessingFailed"},
		{"bad base64", []string{ok("rec-000", "not base64!"), ok("rec-001", "QQ=="), ok("rec-002", "QQ==")},
			[]string{"ProcessingFailed", "Ok", "Ok"}, "not base64"},
		{"ok without data", []string{`{"recordId":"rec-000","result":"Ok"}`, ok("rec-001", "QQ=="), ok("rec-002", "QQ==")},
			[]string{"ProcessingFailed", "Ok", "Ok"}, "Ok without data"},
		{"no result", []string{`{"recordId":"rec-000","data":"QQ=="}`, ok("rec-001", "QQ=="), ok("rec-002", "QQ==")},
			[]string{"ProcessingFailed", "Ok", "Ok"}, "result missing"},
		{"empty records", nil, []string{"ProcessingFailed", "ProcessingFailed", "ProcessingFailed"}, "not answered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"records":[%s]}`, strings.Join(tc.answers, ","))
			}))
			defer srv.Close()
			log, rec := newLogRecorder()
			h := newHTTP(t, HTTPConfig{URL: srv.URL, Invocation: Invocation{Logger: log}})
			res, err := h.Transform(context.Background(), "d", recs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.RecordID != recs[i].RecordID || r.Result != tc.want[i] {
					t.Fatalf("result %d = %s %s, want %s %s", i, r.RecordID, r.Result, recs[i].RecordID, tc.want[i])
				}
			}
			if len(tc.answers) > 0 && tc.want[0] == "Ok" && tc.answers[0] == ok("rec-000", "QQ==") && string(res[0].Data) != "A" {
				t.Fatalf("data %q, want the transform's", res[0].Data)
			}
			warned := rec.find("WARN", "broke the contract")
			if tc.problem == "" && len(warned) > 0 || tc.problem != "" && (len(warned) != 1 || !strings.Contains(warned[0], tc.problem)) {
				t.Fatalf("warnings %q, want one naming %q", warned, tc.problem)
			}
		})
	}
}

// Answers that are not the contract at all fail the call: the delivery
// retries it.
func TestHTTPFailures(t *testing.T) {
	for _, tc := range []struct {
		name        string
		handler     http.HandlerFunc
		unreachable bool
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, false},
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, false},
		{"not json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }, false},
		{"no records", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"result":"Ok"}`) }, false},
		{"records not a list", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"records":{}}`) }, false},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leave
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			h := newHTTP(t, HTTPConfig{URL: srv.URL, Invocation: Invocation{Timeout: 200 * time.Millisecond}})
			res, err := h.Transform(context.Background(), "d", testRecords("a"))
			if err == nil || res != nil {
				t.Fatalf("got %v, %v; want an error", res, err)
			}
			if uplink.IsUnreachable(err) != tc.unreachable {
				t.Fatalf("unreachable = %v for %v", !tc.unreachable, err)
			}
		})
	}
	t.Run("closed server", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		h := newHTTP(t, HTTPConfig{URL: srv.URL + "?token=s3cr3t"})
		_, err := h.Transform(context.Background(), "d", testRecords("a"))
		if !uplink.IsUnreachable(err) || strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("got %v, want unreachable without the token", err)
		}
	})
	t.Run("duplicate input ids", func(t *testing.T) {
		srv, _ := upperServer(t)
		h := newHTTP(t, HTTPConfig{URL: srv.URL})
		recs := testRecords("a", "b")
		recs[1].RecordID = recs[0].RecordID
		if _, err := h.Transform(context.Background(), "d", recs); err == nil {
			t.Fatal("duplicate record ids accepted")
		}
	})
}

func TestHTTPEventShape(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		fmt.Fprint(w, `{"records":[{"recordId":"rec-000","result":"Dropped"}]}`)
	}))
	defer srv.Close()
	h := newHTTP(t, HTTPConfig{URL: srv.URL, Invocation: Invocation{Region: "eu-west-1"}})
	recs := testRecords("hello")
	recs[0].Data = nil
	if _, err := h.Transform(context.Background(), "to-cloud", recs); err != nil {
		t.Fatal(err)
	}
	rec := got["records"].([]any)[0].(map[string]any)
	meta := rec["kinesisRecordMetadata"].(map[string]any)
	if got["deliveryStreamArn"] != "arn:aws:firehose:eu-west-1:000000000000:deliverystream/to-cloud" || got["region"] != "eu-west-1" ||
		rec["recordId"] != "rec-000" || rec["data"] != "" || rec["approximateArrivalTimestamp"] != float64(1767225600000) ||
		meta["shardId"] != "shardId-000000000000" || meta["partitionKey"] != "dev-0" || meta["subsequenceNumber"] != float64(0) ||
		meta["sequenceNumber"] != recs[0].Sequence || meta["approximateArrivalTimestamp"] != float64(1767225600000) {
		t.Fatalf("event %v", got)
	}
}

func TestNewHTTPRefusesBadConfig(t *testing.T) {
	_, err := NewHTTP(HTTPConfig{URL: "ftp://x"})
	if !errors.Is(err, uplink.ErrConfig) {
		t.Fatalf("got %v", err)
	}
}
