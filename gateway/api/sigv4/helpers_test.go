package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

const (
	testKeyID   = "AKIDTIDEGATE0001"
	testSecret  = "tideGATE/secret+Key0000000000000000000000"
	testService = "kinesis"
	testRegion  = "eu-west-1"
)

// testNow is the gateway's clock in tests that do not talk to a real client.
var testNow = time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)

func testVerifier() *sigv4.Verifier {
	return &sigv4.Verifier{
		Keys:    map[string]string{testKeyID: testSecret, "AKIDOTHER": "another secret"},
		Service: testService,
		Clock:   func() time.Time { return testNow },
	}
}

func testCredentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
}

func hashHex(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// newRequest is a client-side request as an SDK builds it, before signing.
func newRequest(t testing.TB, method, url string, header http.Header, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		r.Header[name] = append([]string(nil), values...)
	}
	return r
}

// signing describes how a test signs a request with aws-sdk-go-v2's signer.
type signing struct {
	creds       aws.Credentials
	service     string
	region      string
	at          time.Time
	payloadHash string // "": the SHA-256 of the body
}

func defaultSigning() signing {
	return signing{creds: testCredentials(), service: testService, region: testRegion, at: testNow}
}

func (s signing) sign(t testing.TB, r *http.Request, body []byte) {
	t.Helper()
	hash := s.payloadHash
	if hash == "" {
		hash = hashHex(body)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, r, hash, s.service, s.region, s.at); err != nil {
		t.Fatal(err)
	}
}

// overTheWire returns r as a Go HTTP/1.1 server receives it.
func overTheWire(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	received, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("reading %q: %v", buf.String(), err)
	}
	return received
}

// checkRefusal fails t unless err is an *sigv4.Error of type typ whose message contains
// message.
func checkRefusal(t testing.TB, err error, typ, message string) {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify = %v, want a *sigv4.Error of type %s", err, typ)
	}
	if e.Type != typ || !strings.Contains(e.Message, message) {
		t.Errorf("Verify = %s: %q, want %s containing %q", e.Type, e.Message, typ, message)
	}
}
