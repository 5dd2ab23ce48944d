package kinesis

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// The Kinesis JSON wire shapes of PutRecords (awsJson1_1; blobs in base64,
// which encoding/json does for []byte).
type (
	wireRecord struct {
		Data         []byte `json:"Data"`
		PartitionKey string `json:"PartitionKey"`
	}
	putRecordsRequest struct {
		StreamName string       `json:"StreamName,omitempty"`
		StreamARN  string       `json:"StreamARN,omitempty"`
		Records    []wireRecord `json:"Records"`
	}
	resultEntry struct {
		SequenceNumber string `json:"SequenceNumber,omitempty"`
		ShardId        string `json:"ShardId,omitempty"`
		ErrorCode      string `json:"ErrorCode,omitempty"`
		ErrorMessage   string `json:"ErrorMessage,omitempty"`
	}
	putRecordsResponse struct {
		FailedRecordCount int           `json:"FailedRecordCount"`
		Records           []resultEntry `json:"Records"`
	}
)

// reply is how the fake answers one PutRecords call: a whole-call error
// (status and __type), or per record an error code ("" accepts it).
type reply struct {
	status  int
	errType string
	body    string // raw body, replacing the JSON error
	fail    func(pos int, r wireRecord) string
	// results overrides the number of result entries (a broken server).
	results int
}

// fakeKinesis speaks the PutRecords wire protocol and keeps what it
// accepted, in order.
type fakeKinesis struct {
	t        testing.TB
	mu       sync.Mutex
	calls    []putRecordsRequest
	accepted []wireRecord
	answer   func(call int, req putRecordsRequest) reply
}

func newFakeKinesis(t testing.TB, answer func(call int, req putRecordsRequest) reply) (*fakeKinesis, string) {
	f := &fakeKinesis{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeKinesis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("X-Amz-Target"); got != "Kinesis_20131202.PutRecords" {
		f.t.Errorf("X-Amz-Target %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		f.t.Errorf("Content-Type %q", got)
	}
	if r.Header.Get("Authorization") == "" {
		f.t.Error("request is not signed")
	}
	var req putRecordsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("decode PutRecords: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.calls)
	f.calls = append(f.calls, req)
	var rp reply
	if f.answer != nil {
		rp = f.answer(n, req)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if rp.status != 0 {
		w.WriteHeader(rp.status)
		if rp.body != "" {
			fmt.Fprint(w, rp.body)
		} else {
			fmt.Fprintf(w, `{"__type":%q,"message":"injected %s"}`, rp.errType, rp.errType)
		}
		return
	}
	var resp putRecordsResponse
	for i, rec := range req.Records {
		code := ""
		if rp.fail != nil {
			code = rp.fail(i, rec)
		}
		if code != "" {
			resp.FailedRecordCount++
			resp.Records = append(resp.Records, resultEntry{ErrorCode: code,
				ErrorMessage: "Rate exceeded for shard shardId-000000000001 in stream s under account 123456789012."})
			continue
		}
		f.accepted = append(f.accepted, rec)
		resp.Records = append(resp.Records, resultEntry{
			SequenceNumber: fmt.Sprintf("4959%020d", len(f.accepted)), ShardId: "shardId-000000000000"})
	}
	if rp.results != 0 {
		resp.Records = resp.Records[:rp.results]
	}
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		f.t.Errorf("encode: %v", err)
	}
}

func (f *fakeKinesis) snapshot() (calls []putRecordsRequest, accepted []wireRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]putRecordsRequest(nil), f.calls...), append([]wireRecord(nil), f.accepted...)
}

// awsEnv points the standard credential chain at static test credentials
// and keeps the machine's own AWS files out of the test.
func awsEnv(t testing.TB) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDTIDEGATETEST",
		"AWS_SECRET_ACCESS_KEY":       "tidegate-test-secret",
		"AWS_REGION":                  "eu-west-1",
		"AWS_CONFIG_FILE":             t.TempDir() + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PROFILE":                 "",
		"AWS_SESSION_TOKEN":           "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_KINESIS":    "",
	} {
		t.Setenv(k, v)
	}
}
