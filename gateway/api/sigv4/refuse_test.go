package sigv4_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// TestVerifyRefuses signs a Kinesis PutRecord with the SDK, spoils one thing, and checks
// what Verify answers.
func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"StreamName":"telemetry","PartitionKey":"pump-7","Data":"eyJ0IjoyMS41fQ=="}`)
	const (
		incomplete   = sigv4.TypeIncompleteSignature
		invalid      = sigv4.TypeInvalidSignature
		unrecognized = sigv4.TypeUnrecognizedClient
		mismatch     = "The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	)
	cases := []struct {
		name    string
		signing func(*signing)      // changes how the request is signed
		before  func(*http.Request) // changes the request before signing
		after   func(*http.Request) // changes the request as received
		body    []byte              // the body received, if not the one signed
		typ     string
		message string
	}{
		{
			name:    "wrong secret",
			signing: func(s *signing) { s.creds.SecretAccessKey = "not the secret" },
			typ:     invalid, message: mismatch,
		},
		{
			name:    "other configured key's secret",
			signing: func(s *signing) { s.creds.SecretAccessKey = "another secret" },
			typ:     invalid, message: mismatch,
		},
		{
			name:    "16 minutes old",
			signing: func(s *signing) { s.at = testNow.Add(-16 * time.Minute) },
			typ:     invalid,
			message: "Signature expired: 20251231T235400Z is now earlier than 20251231T235500Z (20260101T001000Z - 15 min.)",
		},
		{
			name:    "16 minutes ahead",
			signing: func(s *signing) { s.at = testNow.Add(16 * time.Minute) },
			typ:     invalid,
			message: "Signature not yet current: 20260101T002600Z is still later than 20260101T002500Z (20260101T001000Z + 15 min.)",
		},
		{name: "body changed", body: []byte(`{"StreamName":"telemetry","PartitionKey":"pump-7","Data":"AAAA"}`), typ: invalid, message: mismatch},
		{name: "body dropped", body: []byte{}, typ: invalid, message: mismatch},
		{
			name:    "body changed under x-amz-content-sha256",
			before:  func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hashHex(body)) },
			body:    []byte(`{}`),
			typ:     invalid,
			message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		},
		{
			name:    "unsigned payload",
			signing: func(s *signing) { s.payloadHash = "UNSIGNED-PAYLOAD" },
			before:  func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
			typ:     invalid, message: "'x-amz-content-sha256' 'UNSIGNED-PAYLOAD' is not supported",
		},
		{
			name:    "streaming payload",
			signing: func(s *signing) { s.payloadHash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
			before:  func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") },
			typ:     invalid, message: "'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' is not supported",
		},
		{
			name:  "signed header changed",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Target", "Kinesis_20131202.DeleteStream") },
			typ:   invalid, message: mismatch,
		},
		{
			name:  "signed header added to",
			after: func(r *http.Request) { r.Header.Add("Content-Type", "text/plain") },
			typ:   invalid, message: mismatch,
		},
		{name: "host changed", after: func(r *http.Request) { r.Host = "elsewhere.local" }, typ: invalid, message: mismatch},
		{name: "method changed", after: func(r *http.Request) { r.Method = "PUT" }, typ: invalid, message: mismatch},
		{name: "path changed", after: func(r *http.Request) { r.RequestURI = "/other" }, typ: invalid, message: mismatch},
		{name: "query added", after: func(r *http.Request) { r.URL.RawQuery = "Action=DeleteStream" }, typ: invalid, message: mismatch},
		{
			name:  "unsigned",
			after: func(r *http.Request) { r.Header.Del("Authorization") },
			typ:   incomplete, message: "Missing Authentication Token",
		},
		{
			name:  "blank Authorization",
			after: func(r *http.Request) { r.Header.Set("Authorization", " ") },
			typ:   incomplete, message: "Missing Authentication Token",
		},
		{
			name:  "unsigned x-amz header",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Tidegate", "1") },
			typ:   incomplete, message: "There were headers present in the request which were not signed: x-amz-tidegate.",
		},
		{
			name:  "host not signed",
			after: editAuthorization(`host;`, ``),
			typ:   incomplete, message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name:  "no Credential",
			after: editAuthorization(`Credential=[^,]*, `, ``),
			typ:   incomplete, message: "Authorization header requires 'Credential' parameter.",
		},
		{
			name:  "no SignedHeaders",
			after: editAuthorization(`SignedHeaders=[^,]*, `, ``),
			typ:   incomplete, message: "Authorization header requires 'SignedHeaders' parameter.",
		},
		{
			name:  "no Signature",
			after: editAuthorization(`, Signature=.*`, ``),
			typ:   incomplete, message: "Authorization header requires 'Signature' parameter.",
		},
		{
			name:  "empty Signature",
			after: editAuthorization(`Signature=.*`, `Signature=`),
			typ:   incomplete, message: "Authorization header requires 'Signature' parameter.",
		},
		{
			name:  "nothing after the algorithm",
			after: editAuthorization(` .*`, ``),
			typ:   incomplete,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter.",
		},
		{
			name:  "other algorithm",
			after: editAuthorization(`^AWS4-HMAC-SHA256`, `AWS4-ECDSA-P256-SHA256`),
			typ:   incomplete, message: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
		},
		{
			name:  "not sigv4 at all",
			after: func(r *http.Request) { r.Header.Set("Authorization", "Bearer eyJhbGciOi") },
			typ:   incomplete, message: "Unsupported AWS 'algorithm': 'Bearer'.",
		},
		{
			name:  "pair without equal sign",
			after: editAuthorization(`Credential=`, `Credential `),
			typ:   incomplete, message: "not a valid key=value pair (missing equal-sign) in Authorization header",
		},
		{
			name:  "part twice",
			after: editAuthorization(`(Signature=.*)`, `$1, $1`),
			typ:   incomplete, message: "Authorization header has 'Signature' more than once",
		},
		{
			name:  "two Authorization headers",
			after: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) },
			typ:   incomplete, message: "Only one Authorization header is allowed.",
		},
		{
			name:  "scope without terminator",
			after: editAuthorization(`/aws4_request`, ``),
			typ:   incomplete, message: "Credential must have the form",
		},
		{
			name:  "scope with wrong terminator",
			after: editAuthorization(`/aws4_request`, `/aws5_request`),
			typ:   incomplete, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
		},
		{
			name:  "scope with empty region",
			after: editAuthorization(`/eu-west-1/`, `//`),
			typ:   incomplete, message: "Credential must have the form",
		},
		{
			name:  "scope with bad date",
			after: editAuthorization(`/20260101/`, `/2026-01-01/`),
			typ:   incomplete, message: "Credential should be scoped to a date in the form YYYYMMDD, not '2026-01-01'.",
		},
		{
			name:  "no X-Amz-Date",
			after: func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			typ:   incomplete, message: "Authorization header requires exactly one 'X-Amz-Date' header.",
		},
		{
			name:  "X-Amz-Date in another format",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-01-01T00:10:00Z") },
			typ:   incomplete, message: "X-Amz-Date must be in the ISO 8601 basic form",
		},
		{
			name:  "X-Amz-Date out of range",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260132T001000Z") },
			typ:   incomplete, message: "X-Amz-Date must be in the ISO 8601 basic form",
		},
		{
			name:  "scope date not the request date",
			after: editAuthorization(`/20260101/`, `/20251231/`),
			typ:   invalid,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'20251231' != '20260101', from '20260101T001000Z'.",
		},
		{
			name:    "unknown key id",
			signing: func(s *signing) { s.creds.AccessKeyID = "AKIDUNKNOWN" },
			typ:     unrecognized, message: "The security token included in the request is invalid.",
		},
		{
			name:    "session token",
			signing: func(s *signing) { s.creds.SessionToken = "FwoGZXIvYXdzEBYaDH" },
			typ:     unrecognized, message: "The security token included in the request is invalid.",
		},
		{
			name:    "other service",
			signing: func(s *signing) { s.service = "firehose" },
			typ:     invalid, message: "Credential should be scoped to correct service: 'kinesis'.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := defaultSigning()
			if tc.signing != nil {
				tc.signing(&s)
			}
			r := newRequest(t, "POST", "http://gateway.local/", http.Header{
				"Content-Type": {"application/x-amz-json-1.1"},
				"X-Amz-Target": {"Kinesis_20131202.PutRecord"},
			}, body)
			if tc.before != nil {
				tc.before(r)
			}
			s.sign(t, r, body)
			r = overTheWire(t, r)
			if tc.after != nil {
				tc.after(r)
			}
			received := body
			if tc.body != nil {
				received = tc.body
			}
			checkRefusal(t, testVerifier().Verify(r, received), tc.typ, tc.message)
		})
	}
}

// editAuthorization replaces the first match of pattern in the Authorization header.
func editAuthorization(pattern, replacement string) func(*http.Request) {
	re := regexp.MustCompile(pattern)
	return func(r *http.Request) {
		old := r.Header.Get("Authorization")
		loc := re.FindStringSubmatchIndex(old)
		if loc == nil {
			panic("editAuthorization: " + pattern + " not in " + old)
		}
		edited := string(re.ExpandString(nil, replacement, old, loc))
		r.Header.Set("Authorization", old[:loc[0]]+edited+old[loc[1]:])
	}
}

// TestVerifyMaxSkew checks a configured skew in place of AWS's 15 minutes.
func TestVerifyMaxSkew(t *testing.T) {
	cases := []struct {
		age time.Duration
		ok  bool
	}{{-5 * time.Minute, true}, {5 * time.Minute, true}, {-5*time.Minute - time.Second, false}, {5*time.Minute + time.Second, false}}
	for _, tc := range cases {
		t.Run(tc.age.String(), func(t *testing.T) {
			s := defaultSigning()
			s.at = testNow.Add(tc.age)
			r := newRequest(t, "POST", "http://gateway.local/", nil, nil)
			s.sign(t, r, nil)
			v := testVerifier()
			v.MaxSkew = 5 * time.Minute
			err := v.Verify(overTheWire(t, r), nil)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				checkRefusal(t, err, sigv4.TypeInvalidSignature, "5 min.")
			}
		})
	}
}

// TestVerifyKeyRotation checks that a secret changed in Keys takes effect although the
// key derived from the old one is cached.
func TestVerifyKeyRotation(t *testing.T) {
	v := testVerifier()
	request := func(secret string) *http.Request {
		s := defaultSigning()
		s.creds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: secret}
		r := newRequest(t, "POST", "http://gateway.local/", nil, nil)
		s.sign(t, r, nil)
		return overTheWire(t, r)
	}
	if err := v.Verify(request(testSecret), nil); err != nil {
		t.Fatal(err)
	}
	v.Keys = map[string]string{testKeyID: "rotated"}
	checkRefusal(t, v.Verify(request(testSecret), nil), sigv4.TypeInvalidSignature, "does not match")
	if err := v.Verify(request("rotated"), nil); err != nil {
		t.Fatal(err)
	}
}
