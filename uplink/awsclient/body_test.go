package awsclient

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// lateProbeBody is a request body as smithy-go v1.28.9 hands it to
// net/http (its safeWriteToReadCloser: once closed, Read and WriteTo
// return io.EOF), with the transport's last read of it — the check that
// nothing follows the Content-Length bytes — held until the body is
// closed, as when the writing goroutine is descheduled for a moment.
type lateProbeBody struct {
	r      *bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func newLateProbeBody(n int) *lateProbeBody {
	return &lateProbeBody{r: bytes.NewReader(make([]byte, n)), closed: make(chan struct{})}
}

func (b *lateProbeBody) Read(p []byte) (int, error) {
	if b.r.Len() == 0 {
		<-b.closed
	}
	select {
	case <-b.closed:
		return 0, io.EOF
	default:
	}
	return b.r.Read(p)
}

func (b *lateProbeBody) WriteTo(w io.Writer) (int64, error) {
	if b.r.Len() == 0 {
		<-b.closed
	}
	select {
	case <-b.closed:
		return 0, io.EOF // what smithy-go's safeWriteToReadCloser returns
	default:
	}
	return b.r.WriteTo(w)
}

func (b *lateProbeBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// The SDK closes the request body when the response headers arrive; with
// ProtectBody the response is still read whole, where the SDK's own
// client loses the connection under it ("use of closed network
// connection") and with it an answer the server had given.
func TestProtectBodyKeepsTheResponse(t *testing.T) {
	answer := strings.Repeat("r", 64<<10) // more than the transport's 4 KiB read buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	send := func(c HTTPClient) error {
		body := newLateProbeBody(16 << 10)
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = 16 << 10
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body.Close()                      // as smithy-go does when Do returns
		time.Sleep(20 * time.Millisecond) // the SDK's middleware runs before it reads
		b, err := io.ReadAll(res.Body)
		if err == nil && string(b) != answer {
			t.Errorf("read %d bytes of %d", len(b), len(answer))
		}
		return err
	}
	for i := range 5 {
		if err := send(ProtectBody(awshttp.NewBuildableClient())); err != nil {
			t.Fatalf("call %d through ProtectBody: %v", i, err)
		}
	}
	// The control: the SDK's client alone loses the answer, so the test
	// exercises the race it claims to.
	if err := send(awshttp.NewBuildableClient()); err == nil || !strings.Contains(err.Error(), "use of closed network connection") {
		t.Errorf("the SDK's client alone: %v, want the connection closed under the response", err)
	}
}

// The caller's request is left as it was, and a body-less request passes
// untouched.
func TestProtectBodyLeavesTheRequest(t *testing.T) {
	var got []string
	next := doFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			if _, ok := r.Body.(io.WriterTo); ok {
				t.Error("the body still has WriteTo")
			}
			b, _ := io.ReadAll(r.Body)
			got = append(got, string(b))
		}
		if r.GetBody != nil {
			b, _ := r.GetBody()
			if _, ok := b.(io.WriterTo); ok {
				t.Error("GetBody's body has WriteTo")
			}
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	req, _ := http.NewRequest(http.MethodPost, "http://hub.example/", strings.NewReader("payload"))
	orig := req.Body
	if _, err := ProtectBody(next).Do(req); err != nil {
		t.Fatal(err)
	}
	if req.Body != orig || len(got) != 1 || got[0] != "payload" {
		t.Errorf("request body replaced (%v) or not sent (%q)", req.Body != orig, got)
	}
	get, _ := http.NewRequest(http.MethodGet, "http://hub.example/", nil)
	if _, err := ProtectBody(next).Do(get); err != nil || len(got) != 1 {
		t.Errorf("GET: %v, bodies %q", err, got)
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
