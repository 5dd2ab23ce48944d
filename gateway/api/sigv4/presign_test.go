package sigv4_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// presign returns a request for url presigned by aws-sdk-go-v2 at the given time, as a Go
// server receives it.
func presign(t *testing.T, method, rawURL string, body []byte, at time.Time) *http.Request {
	t.Helper()
	s := defaultSigning()
	r := newRequest(t, method, rawURL, nil, body)
	signed, headers, err := v4.NewSigner().PresignHTTP(context.Background(), s.creds, r, hashHex(body), s.service, s.region, at)
	if err != nil {
		t.Fatal(err)
	}
	r = newRequest(t, method, signed, headers, body)
	return overTheWire(t, r)
}

func TestVerifyPresigned(t *testing.T) {
	record := []byte(`{"StreamName":"telemetry"}`)
	cases := []struct {
		name   string
		method string
		url    string
		body   []byte
		at     time.Time
	}{
		{name: "get", method: "GET", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow.Add(-4 * time.Minute)},
		{name: "just signed", method: "GET", url: "http://gateway.local/?X-Amz-Expires=60", at: testNow},
		{name: "clock a bit behind", method: "GET", url: "http://gateway.local/?X-Amz-Expires=60", at: testNow.Add(10 * time.Minute)},
		{name: "a week", method: "GET", url: "http://gateway.local/?X-Amz-Expires=604800", at: testNow.Add(-6 * 24 * time.Hour)},
		{
			name: "with parameters", method: "GET", at: testNow,
			url: "http://gateway.local/streams/my%20stream?Action=DescribeStream&b=x%20y&X-Amz-Expires=900",
		},
		{name: "post with body", method: "POST", url: "http://192.168.7.2:4567/?X-Amz-Expires=900", body: record, at: testNow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := presign(t, tc.method, tc.url, tc.body, tc.at)
			if err := testVerifier().Verify(r, tc.body); err != nil {
				t.Fatalf("Verify %s: %v", r.URL, err)
			}
		})
	}
}

func TestVerifyPresignedRefuses(t *testing.T) {
	cases := []struct {
		name    string
		url     string
		at      time.Time
		edit    func(q url.Values)
		typ     string
		message string
	}{
		{
			name: "expired", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow.Add(-5*time.Minute - time.Second),
			typ:     sigv4.TypeInvalidSignature,
			message: "Signature expired: 20260101T000459Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)",
		},
		{
			name: "from the future", url: "http://gateway.local/?X-Amz-Expires=3600", at: testNow.Add(16 * time.Minute),
			typ: sigv4.TypeInvalidSignature, message: "Signature not yet current",
		},
		{
			name: "without X-Amz-Expires", url: "http://gateway.local/", at: testNow,
			typ: sigv4.TypeIncompleteSignature, message: "AWS query-string parameters must include",
		},
		{
			name: "X-Amz-Expires over a week", url: "http://gateway.local/?X-Amz-Expires=604801", at: testNow,
			typ: sigv4.TypeIncompleteSignature, message: "X-Amz-Expires must be a whole number of seconds from 1 to 604800",
		},
		{
			name: "X-Amz-Expires extended", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow.Add(-10 * time.Minute),
			edit: func(q url.Values) { q.Set("X-Amz-Expires", "3600") },
			typ:  sigv4.TypeInvalidSignature, message: "does not match",
		},
		{
			name: "parameter changed", url: "http://gateway.local/?StreamName=a&X-Amz-Expires=300", at: testNow,
			edit: func(q url.Values) { q.Set("StreamName", "b") },
			typ:  sigv4.TypeInvalidSignature, message: "does not match",
		},
		{
			name: "signature dropped", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow,
			edit: func(q url.Values) { q.Del("X-Amz-Signature") },
			typ:  sigv4.TypeIncompleteSignature, message: "AWS query-string parameters must include",
		},
		{
			name: "credential twice", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow,
			edit: func(q url.Values) { q.Add("X-Amz-Credential", q.Get("X-Amz-Credential")) },
			typ:  sigv4.TypeIncompleteSignature, message: "AWS query-string parameters must include",
		},
		{
			name: "other algorithm", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow,
			edit: func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") },
			typ:  sigv4.TypeIncompleteSignature, message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'.",
		},
		{
			name: "host not signed", url: "http://gateway.local/?X-Amz-Expires=300", at: testNow,
			edit: func(q url.Values) { q.Set("X-Amz-SignedHeaders", "x-amz-date") },
			typ:  sigv4.TypeIncompleteSignature, message: "'Host' must be a 'SignedHeader'",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := presign(t, "GET", tc.url, nil, tc.at)
			if tc.edit != nil {
				q := r.URL.Query()
				tc.edit(q)
				r.URL.RawQuery = q.Encode()
				r.RequestURI = r.URL.RequestURI()
			}
			checkRefusal(t, testVerifier().Verify(r, nil), tc.typ, tc.message)
		})
	}

	t.Run("with an Authorization header too", func(t *testing.T) {
		r := presign(t, "GET", "http://gateway.local/?X-Amz-Expires=300", nil, testNow)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		checkRefusal(t, testVerifier().Verify(r, nil), sigv4.TypeIncompleteSignature, "Only one auth mechanism allowed")
	})
	t.Run("bad percent-encoding", func(t *testing.T) {
		r := presign(t, "GET", "http://gateway.local/?X-Amz-Expires=300", nil, testNow)
		r.URL.RawQuery += "&bad=%zz"
		checkRefusal(t, testVerifier().Verify(r, nil), sigv4.TypeIncompleteSignature, "not validly percent-encoded")
	})
}
