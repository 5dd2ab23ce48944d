package kinesisapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/fxamacker/cbor/v2"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// rawCall posts body with the given headers and returns the status, the
// response's content type and its decoded error body.
func rawCall(t *testing.T, method, url, contentType, target string, body []byte) (int, string, errorBody) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb errorBody
	ct := resp.Header.Get("Content-Type")
	if ct == contentCBOR {
		err = cbor.Unmarshal(b, &eb)
	} else {
		err = json.Unmarshal(b, &eb)
	}
	if err != nil {
		t.Fatalf("%d response %q (%s) is not an error body: %v", resp.StatusCode, b, ct, err)
	}
	if h := resp.Header.Get("X-Amzn-ErrorType"); h != eb.Type {
		t.Errorf("x-amzn-ErrorType %q, body __type %q", h, eb.Type)
	}
	return resp.StatusCode, ct, eb
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	create := targetPrefix + "CreateStream"
	for _, tc := range []struct {
		name, method, contentType, target string
		body                              []byte
		status                            int
		typ, ct                           string
	}{
		{"wrong content type", "POST", "text/plain", create, []byte(`{"StreamName":"x","ShardCount":1}`), 400, errUnknownOperation, contentJSON},
		{"no content type", "POST", "", create, []byte(`{"StreamName":"x","ShardCount":1}`), 400, errUnknownOperation, contentJSON},
		{"unknown target", "POST", contentJSON, targetPrefix + "Frobnicate", []byte(`{}`), 400, errUnknownOperation, contentJSON},
		{"other service", "POST", contentJSON, "Firehose_20150804.CreateDeliveryStream", []byte(`{}`), 400, errUnknownOperation, contentJSON},
		{"no target", "POST", contentJSON, "", []byte(`{"StreamName":"x","ShardCount":1}`), 400, errUnknownOperation, contentJSON},
		{"unknown target in CBOR", "POST", contentCBOR, targetPrefix + "Frobnicate", []byte{0xa0}, 400, errUnknownOperation, contentCBOR},
		{"malformed JSON", "POST", contentJSON, create, []byte(`{"StreamName":"x",`), 400, errSerialization, contentJSON},
		{"wrong JSON type", "POST", contentJSON, create, []byte(`{"StreamName":"x","ShardCount":"one"}`), 400, errSerialization, contentJSON},
		{"empty body", "POST", contentJSON, create, nil, 400, errSerialization, contentJSON},
		{"malformed CBOR", "POST", contentCBOR, create, []byte{0xbf, 0x6a, 'S', 't'}, 400, errSerialization, contentCBOR},
		{"wrong CBOR type", "POST", contentCBOR, create, mustCBOR(t, map[string]any{"StreamName": 5}), 400, errSerialization, contentCBOR},
		{"oversized body", "POST", contentJSON, create, bytes.Repeat([]byte(" "), MaxRequestBytes+1), 400, errValidation, contentJSON},
		{"GET", "GET", "", "", nil, 403, errAccessDenied, contentJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, ct, eb := rawCall(t, tc.method, e.srv.URL, tc.contentType, tc.target, tc.body)
			if status != tc.status || eb.Type != tc.typ || ct != tc.ct {
				t.Errorf("got %d %s (%s), want %d %s (%s)", status, eb.Type, ct, tc.status, tc.typ, tc.ct)
			}
			if eb.Message == "" {
				t.Error("no message")
			}
		})
	}
	if names := e.store.Streams(); len(names) != 0 {
		t.Errorf("malformed requests created streams %v", names)
	}
}

func TestAuthHook(t *testing.T) {
	var seen []byte
	e := newEnv(t, func(a *API) {
		a.Auth = func(r *http.Request, body []byte) error {
			seen = body
			switch r.Header.Get("X-Test-Key") {
			case "good":
				return nil
			case "plain":
				return errors.New("no entry")
			}
			return &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
		}
	})
	ctx := ctxT(t)
	in := &sdk.CreateStreamInput{StreamName: aws.String("guarded"), ShardCount: aws.Int32(1)}
	_, err := e.client.CreateStream(ctx, in)
	ae := wantAPIError(t, err, "UnrecognizedClientException")
	if ae.ErrorMessage() != "The security token included in the request is invalid." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	if !bytes.Contains(seen, []byte(`"StreamName":"guarded"`)) {
		t.Errorf("Auth saw body %q", seen)
	}
	_, err = e.client.CreateStream(ctx, in, withHeader("X-Test-Key", "plain"))
	wantAPIError(t, err, "AccessDeniedException")
	if names := e.store.Streams(); len(names) != 0 {
		t.Fatalf("a refused request created %v", names)
	}
	if _, err := e.client.CreateStream(ctx, in, withHeader("X-Test-Key", "good")); err != nil {
		t.Fatal(err)
	}
	if names := e.store.Streams(); len(names) != 1 {
		t.Fatalf("streams %v", names)
	}
}

// withHeader adds a header to an SDK request.
func withHeader(k, v string) func(*sdk.Options) {
	return func(o *sdk.Options) {
		o.HTTPClient = headerClient{k, v, o.HTTPClient}
	}
}

type headerClient struct {
	k, v string
	next sdk.HTTPClient
}

func (h headerClient) Do(r *http.Request) (*http.Response, error) {
	r.Header.Set(h.k, h.v)
	if h.next == nil {
		return http.DefaultClient.Do(r)
	}
	return h.next.Do(r)
}

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestErrorShape(t *testing.T) {
	e := newEnv(t)
	status, _, eb := rawCall(t, "POST", e.srv.URL, contentJSON, targetPrefix+"DescribeStream", []byte(`{"StreamName":"ghost"}`))
	if status != 400 || eb.Type != errResourceNotFound || !strings.Contains(eb.Message, "ghost") {
		t.Errorf("%d %+v", status, eb)
	}
}
