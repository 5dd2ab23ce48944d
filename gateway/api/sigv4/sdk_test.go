package sigv4_test

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// TestVerifySDKSigned checks requests signed by aws-sdk-go-v2's reference signer, both as a
// Go server receives them and as built in process.
func TestVerifySDKSigned(t *testing.T) {
	jsonHeader := http.Header{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"Kinesis_20131202.PutRecord"},
	}
	record := []byte(`{"StreamName":"telemetry","PartitionKey":"pump-7","Data":"eyJ0IjoyMS41fQ=="}`)
	cases := []struct {
		name    string
		method  string
		url     string
		header  http.Header
		body    []byte
		region  string
		payload string // X-Amz-Content-Sha256 to send; "" sends none
	}{
		{name: "empty body", method: "POST", url: "http://gateway.local/"},
		{name: "kinesis json", method: "POST", url: "http://gateway.local/", header: jsonHeader, body: record},
		{name: "us-east-1", method: "POST", url: "http://gateway.local/", header: jsonHeader, body: record, region: "us-east-1"},
		{name: "ap-southeast-2", method: "POST", url: "http://gateway.local/", body: record, region: "ap-southeast-2"},
		{name: "cn-north-1", method: "POST", url: "http://gateway.local/", body: record, region: "cn-north-1"},
		{name: "made-up region", method: "POST", url: "http://gateway.local/", body: record, region: "tidegate-site-42"},
		{name: "host with port", method: "POST", url: "http://192.168.7.2:4567/", header: jsonHeader, body: record},
		{name: "default port", method: "POST", url: "http://gateway.local:80/", body: record},
		{name: "ipv6 host", method: "POST", url: "http://[fd00::7]:4567/", body: record},
		{name: "get", method: "GET", url: "http://gateway.local/streams"},
		{name: "query", method: "GET", url: "http://gateway.local/?b=2&a=1&a=0&Action=ListStreams&empty=&flag"},
		{
			name: "query needing encoding", method: "GET",
			url: "http://gateway.local/?sp%20ace=x%20y&plus=a%2Bb&tilde=~&slash=a%2Fb&star=*&utf8=%C3%A9&semi=%3B",
		},
		{name: "path with space", method: "GET", url: "http://gateway.local/streams/my%20stream/records"},
		{name: "path with utf-8", method: "GET", url: "http://gateway.local/str%C3%A9ams/%E2%82%AC"},
		{name: "path with encoded slash", method: "GET", url: "http://gateway.local/a%2Fb/c"},
		{name: "path with reserved characters", method: "GET", url: "http://gateway.local/a:b@c!d$e&f'(g)*h+i,j;k=l"},
		{name: "path with dot segments", method: "GET", url: "http://gateway.local/a/./b/../c//d/"},
		{
			name: "duplicate headers", method: "POST", url: "http://gateway.local/", body: record,
			header: http.Header{"X-Tidegate-Tag": {"one", "two", "three"}, "X-Amz-Meta-Site": {"a", "b"}},
		},
		{
			name: "spaces in header values", method: "POST", url: "http://gateway.local/", body: record,
			header: http.Header{
				"Content-Type":   {"application/x-amz-json-1.1;   charset=utf-8"},
				"X-Tidegate-Tag": {"  a   b    c  ", "d  e"},
			},
		},
		{
			name: "header case", method: "POST", url: "http://gateway.local/", body: record,
			header: http.Header{"X-TIDEGATE-tag": {"MiXeD"}},
		},
		{name: "large body", method: "POST", url: "http://gateway.local/", header: jsonHeader, body: bytes.Repeat(record, 10000)},
		{name: "content sha256 header", method: "POST", url: "http://gateway.local/", body: record, payload: hashHex(record)},
		{name: "content sha256 header empty body", method: "PUT", url: "http://gateway.local/x", payload: hashHex(nil)},
	}
	for _, tc := range cases {
		for _, wire := range []bool{true, false} {
			name := tc.name + "/in process"
			if wire {
				name = tc.name + "/over the wire"
			}
			t.Run(name, func(t *testing.T) {
				s := defaultSigning()
				if tc.region != "" {
					s.region = tc.region
				}
				r := newRequest(t, tc.method, tc.url, tc.header, tc.body)
				if tc.payload != "" {
					r.Header.Set("X-Amz-Content-Sha256", tc.payload)
				}
				s.sign(t, r, tc.body)
				if wire {
					r = overTheWire(t, r)
				}
				if err := testVerifier().Verify(r, tc.body); err != nil {
					t.Fatalf("Verify: %v\nAuthorization: %s", err, r.Header.Get("Authorization"))
				}
			})
		}
	}
}

// TestVerifyAWSTestSuite checks the signed requests of AWS's own SigV4 test suite, which
// does not go through aws-sdk-go-v2 at all.
func TestVerifyAWSTestSuite(t *testing.T) {
	files, err := filepath.Glob("testdata/aws-sig-v4-test-suite/*.sreq")
	if err != nil || len(files) == 0 {
		t.Fatalf("test suite: %v, %d files", err, len(files))
	}
	v := &sigv4.Verifier{
		Keys:    map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Service: "service",
		Clock:   func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".sreq"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append(raw, "\n\n"...))))
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(r, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}
