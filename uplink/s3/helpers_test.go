package s3

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/uplink"
)

const bucket = "tidegate-test"

var created = time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC)

// store is an S3 server a test talks to.
type store struct {
	endpoint string
	// requests counts requests by kind ("put", "create", "part",
	// "complete", "abort"), where the server is ours to watch.
	requests func() map[string]int
	// stop stops the server, where it is ours to stop.
	stop func()
}

// stores are the servers every behaviour is checked against: gofakes3 in
// process, and s3rver (npm) as a separate program.
var stores = []struct {
	name  string
	start func(t *testing.T) store
}{
	{"gofakes3", startGofakes3},
	{"s3rver", startS3rver},
}

func startGofakes3(t *testing.T) store {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	return watch(t, gofakes3.New(backend).Server())
}

// startS3rver starts s3rver behind a proxy that counts requests. The proxy
// keeps the Host header, which the signature covers.
func startS3rver(t *testing.T) store {
	t.Helper()
	target, err := url.Parse(peer.S3rver(t, bucket))
	if err != nil {
		t.Fatal(err)
	}
	return watch(t, httputil.NewSingleHostReverseProxy(target))
}

// watch serves handler on a loopback port, counting requests by kind.
func watch(t *testing.T, handler http.Handler) store {
	t.Helper()
	var mu sync.Mutex
	counts := make(map[string]int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		kind := ""
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			kind = "create"
		case r.Method == http.MethodPut && q.Has("uploadId"):
			kind = "part"
		case r.Method == http.MethodPost && q.Has("uploadId"):
			kind = "complete"
		case r.Method == http.MethodDelete && q.Has("uploadId"):
			kind = "abort"
		case r.Method == http.MethodPut:
			kind = "put"
		}
		mu.Lock()
		counts[kind]++
		mu.Unlock()
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return store{endpoint: srv.URL, stop: srv.Close, requests: func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		c := make(map[string]int)
		for k, v := range counts {
			c[k] = v
		}
		return c
	}}
}

// useCredentials puts credentials where the standard chain finds them
// (the environment), and keeps the machine's AWS files out of the test.
func useCredentials(t *testing.T, id, secret string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", id)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func newSink(t *testing.T, endpoint string, cfg Config) *Sink {
	t.Helper()
	useCredentials(t, "S3RVER", "S3RVER")
	if cfg.Bucket == "" {
		cfg.Bucket = bucket
	}
	cfg.Endpoint = endpoint
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reader is a plain S3 client to look at what the sink wrote.
func reader(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider("S3RVER", "S3RVER", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

type storedObject struct {
	body            []byte // decompressed by the key's extension
	contentEncoding string
	contentType     string
	etag            string
}

// readBucket lists and reads every object under prefix.
func readBucket(t *testing.T, endpoint, prefix string) map[string]storedObject {
	t.Helper()
	ctx := context.Background()
	c := reader(endpoint)
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	objs := make(map[string]storedObject)
	for _, o := range list.Contents {
		key := aws.ToString(o.Key)
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		objs[key] = storedObject{
			body:            decompress(t, key, raw),
			contentEncoding: aws.ToString(out.ContentEncoding),
			contentType:     aws.ToString(out.ContentType),
			etag:            aws.ToString(out.ETag),
		}
	}
	return objs
}

// decompress reads a body with decoders independent of the writer's.
func decompress(t *testing.T, key string, raw []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(raw)
	switch {
	case strings.HasSuffix(key, ".gz"):
		zr, err := stdgzip.NewReader(r)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		r = zr
	case strings.HasSuffix(key, ".zst"):
		zr, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(key, ".snappy"):
		r = snappy.NewReader(r)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return body
}

// batch returns a batch of n JSON-line records of about size bytes each,
// partition keys cycling over keys, and the records' concatenation.
func batch(id string, n, size int, keys ...string) (*uplink.Batch, []byte) {
	b := &uplink.Batch{ID: id, Delivery: "to-cloud", Created: created}
	var all []byte
	pad := strings.Repeat("x", max(0, size-60))
	for i := range n {
		data := fmt.Appendf(nil, `{"batch":%q,"seq":%d,"h":"%08x","pad":%q}`+"\n", id, i, uint32(i)*2654435761, pad)
		key := "node-1"
		if len(keys) > 0 {
			key = keys[i%len(keys)]
		}
		b.Records = append(b.Records, uplink.Record{PartitionKey: key, Data: data})
		b.Bytes += len(data)
		all = append(all, data...)
	}
	return b, all
}
