package awsclient

import (
	"io"
	"net/http"
)

// HTTPClient is what an SDK service client sends its requests through
// (the Options.HTTPClient of every service package).
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// ProtectBody wraps a service client's HTTP client so that net/http reads
// each request body through Read alone. The Kinesis and Firehose
// destinations set it in the options of their service clients (where the
// SDK has already tuned its own client): their answers (PutRecords,
// PutRecordBatch) outgrow the transport's 4 KiB read buffer, which is when
// the race below loses data.
//
// Why: smithy-go (v1.28.9) closes a request's body as soon as Do returns
// the response headers, and a closed body's WriteTo returns io.EOF as an
// error. net/http's transport, once it has written the body, reads it once
// more to check nothing is left; when that read comes after the close —
// the writing goroutine descheduled for a moment, which a loaded Raspberry
// Pi makes common — the transport takes WriteTo's io.EOF for a write error
// and closes the connection while the response body is still arriving. The
// SDK then reports "use of closed network connection" for a call the
// service took (PutRecords stored the records), and the retry stores them
// twice. Through Read, a closed body ends with a clean EOF and the
// response is read whole.
func ProtectBody(c HTTPClient) HTTPClient { return protectedClient{c} }

type protectedClient struct{ next HTTPClient }

func (c protectedClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return c.next.Do(r)
	}
	r = r.WithContext(r.Context()) // a shallow copy: the caller keeps its request
	r.Body = readOnlyBody{r.Body}
	if get := r.GetBody; get != nil {
		r.GetBody = func() (io.ReadCloser, error) {
			b, err := get()
			if err != nil || b == nil || b == http.NoBody {
				return b, err
			}
			return readOnlyBody{b}, nil
		}
	}
	return c.next.Do(r)
}

// readOnlyBody hides every method of a body but Read and Close.
type readOnlyBody struct{ rc io.ReadCloser }

func (b readOnlyBody) Read(p []byte) (int, error) { return b.rc.Read(p) }
func (b readOnlyBody) Close() error               { return b.rc.Close() }
