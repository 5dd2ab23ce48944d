package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/tidegate/tidegate/gateway/config"
)

const (
	testToken     = "tok-0123456789abcdef"
	testKeyID     = "AKIDTEST"
	testKeySecret = "key-secret-0123"
)

// closedConfig has one access key and one token.
func closedConfig(t *testing.T, extra string) *config.Config {
	t.Helper()
	cfg := testConfig(t, "streams:\n  - { name: sensors }\nauth:\n  access_keys:\n    - {id: "+testKeyID+", secret: "+testKeySecret+"}\n"+
		"  tokens:\n    - {name: ops, secret: "+testToken+"}\n"+extra)
	return cfg
}

// credential is what a test request carries.
type credential struct {
	bearer  string // Authorization: Bearer …
	service string // SigV4 for this service, with key and secret
	key     string
	secret  string
	access  string // X-Amz-Firehose-Access-Key
}

// call sends method path with body and cred, and returns the response and its body.
func call(t *testing.T, base, method, path string, header http.Header, body string, cred credential) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if cred.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cred.bearer)
	}
	if cred.access != "" {
		req.Header.Set("X-Amz-Firehose-Access-Key", cred.access)
	}
	if cred.service != "" {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: cred.key, SecretAccessKey: cred.secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), cred.service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// requestFor turns a route pattern into a request that the route serves.
func requestFor(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	for strings.Contains(path, "{") {
		i, j := strings.Index(path, "{"), strings.Index(path, "}")
		path = path[:i] + "x" + path[j+1:]
	}
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(pattern, "{$}") {
		path += "x" // a subtree pattern: a path below it, not one a more specific route takes
	}
	return method, path
}

// endpointRequest is a well-formed Firehose HTTP endpoint request.
func endpointRequest() (http.Header, string) {
	return http.Header{
		"Content-Type":                    {"application/json"},
		"X-Amz-Firehose-Protocol-Version": {"1.0"},
		"X-Amz-Firehose-Request-Id":       {"r-1"},
	}, `{"requestId":"r-1","timestamp":1795849200000,"records":[{"data":"aGk="}]}`
}

// awsTargets are the operations POST / dispatches to, with the service each signs for.
var awsTargets = []struct{ target, service string }{
	{"Kinesis_20131202.ListStreams", "kinesis"},
	{"Firehose_20150804.ListDeliveryStreams", "firehose"},
}

func wantRefused(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	var e struct{ Error string }
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") ||
		resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		t.Errorf("%s: %d %q %s, want 401 with a Bearer challenge and {\"error\": …}", what, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
}

// TestEveryRouteNeedsAuthentication walks the whole route table of a gateway with
// credentials: every route but the health checks refuses a request without them, in its
// surface's way, and lets one with them through. A route added without an access class,
// or with one this test does not know, fails it.
func TestEveryRouteNeedsAuthentication(t *testing.T) {
	g := startGateway(t, closedConfig(t, ""))
	base := "http://" + g.Addr().String()
	public := map[string]bool{}
	for _, rt := range g.routeTable() {
		t.Run(rt.pattern, func(t *testing.T) {
			method, path := requestFor(rt.pattern)
			switch rt.access {
			case accessPublic:
				public[rt.pattern] = true
				if resp, body := call(t, base, method, path, nil, "", credential{}); resp.StatusCode == http.StatusUnauthorized {
					t.Errorf("public route: %d %s", resp.StatusCode, body)
				}
			case accessGateway, accessMetrics:
				resp, body := call(t, base, method, path, nil, "", credential{})
				wantRefused(t, "no credentials", resp, body)
				resp, body = call(t, base, method, path, nil, "", credential{bearer: "tok-wrong-0123456789"})
				wantRefused(t, "a wrong token", resp, body)
				if !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Errorf("a wrong token: challenge %q lacks error=\"invalid_token\"", resp.Header.Get("WWW-Authenticate"))
				}
				resp, body = call(t, base, method, path, nil, "", credential{service: gatewayService, key: testKeyID, secret: "wrong"})
				wantRefused(t, "a wrong signature", resp, body)
				resp, body = call(t, base, method, path, nil, "", credential{service: "kinesis", key: testKeyID, secret: testKeySecret})
				wantRefused(t, "a signature for another service", resp, body)
				for what, cred := range map[string]credential{
					"a token":           {bearer: testToken},
					"a SigV4 signature": {service: gatewayService, key: testKeyID, secret: testKeySecret},
				} {
					if resp, body := call(t, base, method, path, nil, "", cred); resp.StatusCode == http.StatusUnauthorized {
						t.Errorf("%s: %d %s", what, resp.StatusCode, body)
					}
				}
			case accessAWS:
				if path != "/" {
					// A Kinesis Video Streams operation: the path names it.
					h := http.Header{"Content-Type": {"application/json"}}
					for what, cred := range map[string]credential{"no credentials": {}, "a token": {bearer: testToken}} {
						resp, body := call(t, base, method, path, h, "{}", cred)
						if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "IncompleteSignatureException" {
							t.Errorf("%s with %s: %d %s, want the AWS refusal", path, what, resp.StatusCode, body)
						}
					}
					resp, body := call(t, base, method, path, h, "{}", credential{service: "kinesis", key: testKeyID, secret: testKeySecret})
					if resp.Header.Get("X-Amzn-Errortype") != "InvalidSignatureException" {
						t.Errorf("%s signed for kinesis: %d %s", path, resp.StatusCode, body)
					}
					resp, body = call(t, base, method, path, h, "{}", credential{service: "kinesisvideo", key: testKeyID, secret: testKeySecret})
					if et := resp.Header.Get("X-Amzn-Errortype"); strings.Contains(et, "Signature") || et == "UnrecognizedClientException" {
						t.Errorf("%s signed: %d %s", path, resp.StatusCode, body)
					}
					break
				}
				for _, op := range awsTargets {
					h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {op.target}}
					for what, cred := range map[string]credential{"no credentials": {}, "a token": {bearer: testToken}} {
						resp, body := call(t, base, method, path, h, "{}", cred)
						if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "IncompleteSignatureException") {
							t.Errorf("%s with %s: %d %s, want the AWS refusal", op.target, what, resp.StatusCode, body)
						}
					}
					resp, body := call(t, base, method, path, h, "{}", credential{service: op.service, key: testKeyID, secret: testKeySecret})
					if resp.StatusCode != http.StatusOK {
						t.Errorf("%s signed: %d %s", op.target, resp.StatusCode, body)
					}
				}
			case accessPublisher:
				// WHIP answers in its own words: a challenge, and a camera's
				// own credentials by Basic (video/webrtc tests those).
				for what, cred := range map[string]credential{"no credentials": {}, "a wrong token": {bearer: "tok-wrong-0123456789"},
					"a wrong signature": {service: gatewayService, key: testKeyID, secret: "wrong"}} {
					resp, body := call(t, base, method, path, nil, "", cred)
					if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") || body == "" {
						t.Errorf("%s: %d %q %s, want 401 with a Bearer challenge and a reason", what, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
					}
				}
				for what, cred := range map[string]credential{
					"a token":           {bearer: testToken},
					"a SigV4 signature": {service: gatewayService, key: testKeyID, secret: testKeySecret},
				} {
					if resp, body := call(t, base, method, path, nil, "", cred); resp.StatusCode == http.StatusUnauthorized {
						t.Errorf("%s: %d %s", what, resp.StatusCode, body)
					}
				}
			case accessEndpointKey:
				h, body := endpointRequest()
				resp, b := call(t, base, method, path, h, body, credential{})
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(b, `"errorMessage"`) {
					t.Errorf("no access key: %d %s, want the endpoint protocol's 401", resp.StatusCode, b)
				}
				for what, key := range map[string]string{"a token": testToken, "an access key's secret": testKeySecret} {
					if resp, b := call(t, base, method, path, h, body, credential{access: key}); resp.StatusCode == http.StatusUnauthorized {
						t.Errorf("%s as the access key: %d %s", what, resp.StatusCode, b)
					}
				}
			default:
				t.Fatalf("route %q has access class %d: give it one of the classes this test checks (see access in http.go)", rt.pattern, rt.access)
			}
		})
	}
	if want := map[string]bool{"GET /healthz": true, "GET /readyz": true}; !maps.Equal(public, want) {
		t.Errorf("public routes %v, want only the health checks", slices.Sorted(maps.Keys(public)))
	}
}

// TestARouteWithoutAccessIsClosed: a route that names no access class gets the
// gateway's check, not none.
func TestARouteWithoutAccessIsClosed(t *testing.T) {
	g := New(closedConfig(t, ""), testLogger(), "test")
	h := g.guard(route{"GET /new", accessUnset, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("served"))
	})})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/new", nil))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("%d %s, want 401", w.Code, w.Body)
	}
}

// TestNoCredentialsNoChecks: without access keys and tokens (loopback only) every route
// answers without credentials, as before credentials existed.
func TestNoCredentialsNoChecks(t *testing.T) {
	g := startGateway(t, testConfig(t, "streams:\n  - { name: sensors }\n"))
	base := "http://" + g.Addr().String()
	for _, rt := range g.routeTable() {
		method, path := requestFor(rt.pattern)
		h, body := http.Header{}, ""
		switch rt.access {
		case accessAWS:
			h, body = http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {awsTargets[0].target}}, "{}"
		case accessEndpointKey:
			h, body = endpointRequest()
		}
		if resp, b := call(t, base, method, path, h, body, credential{}); resp.StatusCode == http.StatusUnauthorized || strings.Contains(b, "Signature") {
			t.Errorf("%s: %d %s", rt.pattern, resp.StatusCode, b)
		}
	}
}

// TestTokensWithoutAccessKeys: tokens alone close the gateway. REST and metrics take
// them; the AWS APIs, which only SigV4 can reach, refuse everything, as there is no key
// to sign with; the endpoint receiver takes a token as its access key.
func TestTokensWithoutAccessKeys(t *testing.T) {
	g := startGateway(t, testConfig(t, "streams:\n  - { name: in }\nauth:\n  tokens:\n    - {secret: "+testToken+"}\n"))
	base := "http://" + g.Addr().String()
	if resp, body := call(t, base, "GET", "/api/v1/devices", nil, "", credential{bearer: testToken}); resp.StatusCode != http.StatusOK {
		t.Errorf("REST with the token: %d %s", resp.StatusCode, body)
	}
	resp, body := call(t, base, "GET", "/metrics", nil, "", credential{})
	wantRefused(t, "metrics without the token", resp, body)
	ctx := context.Background()
	_, err := kinesis.New(kinesis.Options{BaseEndpoint: aws.String(base), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}).
		ListStreams(ctx, &kinesis.ListStreamsInput{})
	if code := apiCode(err); code != "IncompleteSignatureException" {
		t.Errorf("unsigned Kinesis call: %v", err)
	}
	if _, err := kinesisClient(g, "ANYKEY", "any").ListStreams(ctx, &kinesis.ListStreamsInput{}); apiCode(err) != "UnrecognizedClientException" {
		t.Errorf("signed Kinesis call: %v", err)
	}
	h, rec := endpointRequest()
	if resp, b := call(t, base, "POST", "/api/v1/firehose/in", h, rec, credential{access: testToken}); resp.StatusCode != http.StatusOK {
		t.Errorf("endpoint delivery with the token as its access key: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(t, base, "POST", "/api/v1/firehose/in", h, rec, credential{access: "other"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("endpoint delivery with another access key: %d %s", resp.StatusCode, b)
	}
}

// TestReloadSwapsTokensAndMetricsPublic: a reload replaces the tokens and the metrics
// setting at once; the old token stops working.
func TestReloadSwapsTokensAndMetricsPublic(t *testing.T) {
	cfg := closedConfig(t, "")
	g := startGateway(t, cfg)
	base := "http://" + g.Addr().String()
	if resp, body := call(t, base, "GET", "/metrics", nil, "", credential{bearer: testToken}); resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics with the token: %d %s", resp.StatusCode, body)
	}
	const newToken = "tok-new-0123456789abcdef"
	next := testConfig(t, "streams:\n  - { name: sensors }\nmetrics: {public: true}\nauth:\n  tokens:\n    - {name: ops, secret: "+newToken+"}\n")
	next.DataDir, next.Listen = cfg.DataDir, cfg.Listen
	applied, _, err := g.Reload(next)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auth.tokens: ops secret changed", "metrics.public: false → true"} {
		if !slices.Contains(applied, want) {
			t.Errorf("applied %q lacks %q", applied, want)
		}
	}
	if resp, body := call(t, base, "GET", "/metrics", nil, "", credential{}); resp.StatusCode != http.StatusOK {
		t.Errorf("public metrics without credentials: %d %s", resp.StatusCode, body)
	}
	resp, body := call(t, base, "GET", "/api/v1/devices", nil, "", credential{bearer: testToken})
	wantRefused(t, "the old token after the reload", resp, body)
	if resp, body := call(t, base, "GET", "/api/v1/devices", nil, "", credential{bearer: newToken}); resp.StatusCode != http.StatusOK {
		t.Errorf("the new token: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, base, "GET", "/api/v1/devices", nil, "", credential{service: gatewayService, key: testKeyID, secret: testKeySecret})
	wantRefused(t, "the removed access key", resp, body)
}

// TestSignedRESTChangeKeepsItsBody: the check reads a signed request's body to verify
// the signature; the handler still gets all of it.
func TestSignedRESTChangeKeepsItsBody(t *testing.T) {
	g := startGateway(t, closedConfig(t, ""))
	base := "http://" + g.Addr().String()
	body := `{"name": "signed", "from": "sensors", "to": {"type": "file", "dir": "` + t.TempDir() + `"}}`
	cred := credential{service: gatewayService, key: testKeyID, secret: testKeySecret}
	if resp, b := call(t, base, "POST", "/api/v1/deliveries", nil, body, cred); resp.StatusCode != http.StatusCreated {
		t.Fatalf("signed create: %d %s", resp.StatusCode, b)
	}
	big := strings.Repeat("x", maxSignedBody+1)
	if resp, b := call(t, base, "POST", "/api/v1/deliveries", nil, big, cred); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a signed body over the limit: %d %s", resp.StatusCode, b)
	}
}

// TestUnknownPathsAndPresignedURLs: a path no route serves tells an unauthenticated
// client nothing (401) and an authenticated one that it does not exist (404); a
// presigned URL (SigV4 in the query) opens a gateway route as a signed header does.
func TestUnknownPathsAndPresignedURLs(t *testing.T) {
	g := startGateway(t, closedConfig(t, ""))
	base := "http://" + g.Addr().String()
	resp, body := call(t, base, "GET", "/api/v1/nothing-here", nil, "", credential{})
	wantRefused(t, "an unknown path without credentials", resp, body)
	if resp, body := call(t, base, "GET", "/api/v1/nothing-here", nil, "", credential{bearer: testToken}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown path with a token: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/devices?X-Amz-Expires=60", nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testKeySecret}
	url, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), gatewayService, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, http.DefaultClient, url); code != http.StatusOK {
		t.Errorf("presigned URL: %d %s", code, body)
	}
	if code, body := get(t, http.DefaultClient, strings.Replace(url, "X-Amz-Signature=", "X-Amz-Signature=0", 1)); code != http.StatusUnauthorized {
		t.Errorf("a tampered presigned URL: %d %s", code, body)
	}
}
