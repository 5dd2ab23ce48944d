package firehose

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// The Firehose JSON wire shapes of PutRecordBatch (awsJson1_1; blobs in
// base64, which encoding/json does for []byte).
type (
	wireRecord struct {
		Data []byte `json:"Data"`
	}
	putRecordBatchRequest struct {
		DeliveryStreamName string       `json:"DeliveryStreamName"`
		Records            []wireRecord `json:"Records"`
	}
	responseEntry struct {
		RecordId     string `json:"RecordId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	putRecordBatchResponse struct {
		FailedPutCount   int             `json:"FailedPutCount"`
		Encrypted        bool            `json:"Encrypted"`
		RequestResponses []responseEntry `json:"RequestResponses"`
	}
)

// reply is how the fake answers one PutRecordBatch call: a whole-call
// error (status and __type), or per record an error code ("" accepts it).
type reply struct {
	status  int
	errType string
	body    string // raw body, replacing the JSON error
	fail    func(pos int, r wireRecord) string
	// responses overrides the number of response entries (a broken server).
	responses int
}

// fakeFirehose speaks the PutRecordBatch wire protocol and keeps what it
// accepted, in order.
type fakeFirehose struct {
	t        testing.TB
	mu       sync.Mutex
	calls    []putRecordBatchRequest
	accepted [][]byte
	answer   func(call int, req putRecordBatchRequest) reply
}

func newFakeFirehose(t testing.TB, answer func(call int, req putRecordBatchRequest) reply) (*fakeFirehose, string) {
	f := &fakeFirehose{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeFirehose) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if got := r.Header.Get("X-Amz-Target"); got != "Firehose_20150804.PutRecordBatch" {
		f.t.Errorf("X-Amz-Target %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		f.t.Errorf("Content-Type %q", got)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		f.t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") == "" {
		f.t.Error("request is not signed")
	}
	var req putRecordBatchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("decode PutRecordBatch: %v", err)
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
	var resp putRecordBatchResponse
	for i, rec := range req.Records {
		code := ""
		if rp.fail != nil {
			code = rp.fail(i, rec)
		}
		if code != "" {
			resp.FailedPutCount++
			resp.RequestResponses = append(resp.RequestResponses, responseEntry{ErrorCode: code,
				ErrorMessage: "Slow down."})
			continue
		}
		f.accepted = append(f.accepted, rec.Data)
		resp.RequestResponses = append(resp.RequestResponses, responseEntry{
			RecordId: fmt.Sprintf("rid-%06d", len(f.accepted))})
	}
	if rp.responses != 0 {
		resp.RequestResponses = resp.RequestResponses[:rp.responses]
	}
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		f.t.Errorf("encode: %v", err)
	}
}

func (f *fakeFirehose) snapshot() (calls []putRecordBatchRequest, accepted [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]putRecordBatchRequest(nil), f.calls...), append([][]byte(nil), f.accepted...)
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
		"AWS_ENDPOINT_URL_FIREHOSE":   "",
	} {
		t.Setenv(k, v)
	}
}
