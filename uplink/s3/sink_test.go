package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/object"
)

// TestStores runs every behaviour against each store, one server per
// store.
func TestStores(t *testing.T) {
	behaviours := []struct {
		name string
		run  func(t *testing.T, srv store)
	}{
		{"names and content", testNamesAndContent},
		{"idempotent", testIdempotent},
		{"multipart", testMultipart},
		{"partition keys and errors", testPartitionKeysAndErrors},
		{"missing bucket is permanent", testMissingBucket},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			srv := st.start(t)
			for _, b := range behaviours {
				t.Run(b.name, func(t *testing.T) { b.run(t, srv) })
			}
		})
	}
}

// delta is what a test's requests did to the store's counts.
func delta(before, after map[string]int) map[string]int {
	d := maps.Clone(after)
	for k, v := range before {
		d[k] -= v
		if d[k] == 0 {
			delete(d, k)
		}
	}
	return d
}

func testNamesAndContent(t *testing.T, srv store) {
	for _, comp := range []string{"gzip", "zstd", "snappy", "none"} {
		t.Run(comp, func(t *testing.T) {
			prefix := "sensors-" + comp + "/"
			s := newSink(t, srv.endpoint, Config{Prefix: prefix, Compression: comp})
			b, want := batch("b-1", 500, 100)
			before := srv.requests()
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if d := delta(before, srv.requests()); d["put"] != 1 || len(d) != 1 {
				t.Errorf("requests %v, want one PutObject", d)
			}
			objs := readBucket(t, srv.endpoint, prefix)
			if len(objs) != 1 {
				t.Fatalf("%d objects, want 1", len(objs))
			}
			c, _ := object.ParseCompression(comp)
			for key, o := range objs {
				wantKey := prefix + "2024/03/05/07/to-cloud-1-2024-03-05-07-08-09-"
				if !strings.HasPrefix(key, wantKey) || !strings.HasSuffix(key, c.Extension()) || len(key) != len(wantKey)+36+len(c.Extension()) {
					t.Errorf("object %q, want %s<uuid>%s", key, wantKey, c.Extension())
				}
				if !bytes.Equal(o.body, want) {
					t.Errorf("object holds %d bytes, want exactly the %d source bytes", len(o.body), len(want))
				}
				if o.contentEncoding != c.ContentEncoding() || o.contentType != "application/octet-stream" {
					t.Errorf("Content-Encoding %q, Content-Type %q; want %q, application/octet-stream", o.contentEncoding, o.contentType, c.ContentEncoding())
				}
			}
		})
	}
}

func testIdempotent(t *testing.T, srv store) {
	s := newSink(t, srv.endpoint, Config{Prefix: "idem/", Compression: "gzip"})
	b, want := batch("b-1", 10, 80)
	for range 2 {
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	objs := readBucket(t, srv.endpoint, "idem/")
	if len(objs) != 1 {
		t.Fatalf("a batch sent twice made %d objects, want 1", len(objs))
	}
	for _, o := range objs {
		if !bytes.Equal(o.body, want) {
			t.Error("object differs from the batch")
		}
	}
}

func testMultipart(t *testing.T, srv store) {
	s := newSink(t, srv.endpoint, Config{Prefix: "big/", PartSize: MinPartSize})
	// 12 MiB uncompressed: parts of 5, 5 and 2 MiB.
	b, want := batch("big-1", 12*1024, 1024)
	before := srv.requests()
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if d := delta(before, srv.requests()); d["create"] != 1 || d["part"] != 3 || d["complete"] != 1 || len(d) != 3 {
		t.Errorf("requests %v, want one multipart upload of 3 parts", d)
	}
	objs := readBucket(t, srv.endpoint, "big/")
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	for key, o := range objs {
		if !bytes.Equal(o.body, want) {
			t.Errorf("%s: %d bytes, want exactly the %d source bytes", key, len(o.body), len(want))
		}
	}
}

func testPartitionKeysAndErrors(t *testing.T, srv store) {
	s := newSink(t, srv.endpoint, Config{
		Prefix:      "device=!{partitionKey}/!{timestamp:yyyy-MM-dd}/",
		ErrorPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
		Compression: "gzip",
	})
	b, _ := batch("b-1", 6, 50, "node-1", "node 2")
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	objs := readBucket(t, srv.endpoint, "device=")
	if len(objs) != 2 {
		t.Fatalf("%d objects, want one per partition key", len(objs))
	}
	for _, pk := range []string{"node-1", "node 2"} {
		var want []byte
		for _, r := range b.Records {
			if r.PartitionKey == pk {
				want = append(want, r.Data...)
			}
		}
		found := false
		for key, o := range objs {
			if strings.HasPrefix(key, "device="+object.EscapePartitionKey(pk)+"/2024-03-05/to-cloud-1-") {
				found = bytes.Equal(o.body, want)
			}
		}
		if !found {
			t.Errorf("no object of partition key %q with its records", pk)
		}
	}

	eb := &uplink.Batch{ID: "e-1", Delivery: "to-cloud", Created: created, Records: []uplink.Record{
		{Data: []byte(`{"attemptsMade":1,"errorCode":"Lambda.FunctionError","rawData":"eA=="}` + "\n")},
	}}
	if err := s.WriteErrors(context.Background(), eb, "processing-failed"); err != nil {
		t.Fatal(err)
	}
	errs := readBucket(t, srv.endpoint, "errors/processing-failed/2024/to-cloud-1-")
	if len(errs) != 1 {
		t.Fatalf("%d error objects, want 1", len(errs))
	}
	for _, o := range errs {
		if !bytes.Equal(o.body, eb.Records[0].Data) {
			t.Errorf("error object holds %q", o.body)
		}
	}
}

func testMissingBucket(t *testing.T, srv store) {
	for _, size := range []int{50, 6 << 10} { // PutObject, and a multipart upload
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			s := newSink(t, srv.endpoint, Config{Bucket: "no-such-bucket", PartSize: MinPartSize})
			b, _ := batch("b-1", 1024, size)
			err := s.Send(context.Background(), b)
			if code, ok := uplink.IsPermanent(err); !ok || code != "S3.NoSuchBucket" {
				t.Fatalf("Send to a missing bucket = %v, want Permanent S3.NoSuchBucket", err)
			}
		})
	}
}

func TestUnknownAccessKeyIsPermanent(t *testing.T) {
	// s3rver checks the access key (gofakes3 checks nothing).
	endpoint := peer.S3rver(t, bucket)
	useCredentials(t, "NOBODY", "S3RVER")
	s, err := New(context.Background(), Config{Bucket: bucket, Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := batch("b-1", 3, 50)
	err = s.Send(context.Background(), b)
	if code, ok := uplink.IsPermanent(err); !ok || code != "S3.InvalidAccessKeyId" {
		t.Fatalf("Send = %v, want Permanent S3.InvalidAccessKeyId", err)
	}
}

func TestStoppedServerIsUnreachable(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			srv := st.start(t)
			s := newSink(t, srv.endpoint, Config{})
			b, _ := batch("b-1", 3, 50)
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			srv.stop()
			if err := s.Send(context.Background(), b); !uplink.IsUnreachable(err) {
				t.Fatalf("Send to a stopped server = %v, want Unreachable", err)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	srv := startGofakes3(t)
	s := newSink(t, srv.endpoint, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, _ := batch("b-1", 3, 50)
	if err := s.Send(ctx, b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a canceled context = %v, want context.Canceled", err)
	}
}
