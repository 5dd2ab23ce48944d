package sigv4_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// FuzzVerify feeds Verify arbitrary Authorization headers, X-Amz-Date values, query strings
// and bodies. It must never panic, must answer with an *Error, and must accept nothing but
// the seed's own signature and date over the seed's own body. (The header may vary in
// spacing, and the query in encoding: neither is signed as sent.)
func FuzzVerify(f *testing.F) {
	body := []byte(`{"StreamName":"telemetry"}`)
	r := newRequest(f, "POST", "http://gateway.local/?a=1", http.Header{"X-Amz-Target": {"Kinesis_20131202.PutRecord"}}, body)
	defaultSigning().sign(f, r, body)
	authorization, date := r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date")
	_, signature, _ := strings.Cut(authorization, "Signature=")
	f.Add(authorization, date, r.URL.RawQuery, body)
	f.Add(authorization, "20260101T001000", "a=%zz", []byte{})
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=", "", "", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 ,,=,==", "99999999T999999Z", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1", []byte("x"))
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20260101%2Fr%2Fkinesis%2Faws4_request"+
		"&X-Amz-Date=20260101T001000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=00", []byte(nil))

	if err := testVerifier().Verify(fuzzRequest(authorization, date, r.URL.RawQuery, body), body); err != nil {
		f.Fatalf("the seed does not verify: %v", err)
	}

	f.Fuzz(func(t *testing.T, fuzzedAuthorization, fuzzedDate, rawQuery string, fuzzedBody []byte) {
		err := testVerifier().Verify(fuzzRequest(fuzzedAuthorization, fuzzedDate, rawQuery, fuzzedBody), fuzzedBody)
		if err == nil {
			if !strings.Contains(fuzzedAuthorization, signature) || fuzzedDate != date || !bytes.Equal(fuzzedBody, body) {
				t.Fatalf("accepted Authorization %q, X-Amz-Date %q, query %q, body %q", fuzzedAuthorization, fuzzedDate, rawQuery, fuzzedBody)
			}
			return
		}
		if e := (*sigv4.Error)(nil); !errors.As(err, &e) || e.Type == "" || e.Message == "" {
			t.Fatalf("Verify = %#v, want a complete *sigv4.Error", err)
		}
	})
}

// fuzzRequest builds a received Kinesis request around the fuzzed parts.
func fuzzRequest(authorization, date, rawQuery string, body []byte) *http.Request {
	header := http.Header{
		"X-Amz-Target":   {"Kinesis_20131202.PutRecord"},
		"Content-Length": {strconv.Itoa(len(body))},
	}
	if authorization != "" {
		header.Set("Authorization", authorization)
	}
	if date != "" {
		header.Set("X-Amz-Date", date)
	}
	return &http.Request{
		Method:        "POST",
		URL:           &url.URL{Path: "/", RawQuery: rawQuery},
		RequestURI:    "/?" + rawQuery,
		Host:          "gateway.local",
		Header:        header,
		ContentLength: int64(len(body)),
	}
}
