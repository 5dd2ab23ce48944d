package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// flakyClient passes calls to a real client, records part sizes, and
// fails the part numbered failPart.
type flakyClient struct {
	Client
	failPart  int32
	partSizes []int
	aborts    int
}

func (c *flakyClient) UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if aws.ToInt32(in.PartNumber) == c.failPart {
		return nil, errors.New("part lost")
	}
	c.partSizes = append(c.partSizes, int(aws.ToInt64(in.ContentLength)))
	return c.Client.UploadPart(ctx, in, opts...)
}

func (c *flakyClient) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	c.aborts++
	return c.Client.AbortMultipartUpload(ctx, in, opts...)
}

func TestPartsAreStreamed(t *testing.T) {
	srv := startGofakes3(t)
	client := &flakyClient{Client: reader(srv.endpoint)}
	s, err := NewWithClient(Config{Bucket: bucket, PartSize: MinPartSize}, client)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := batch("b-1", 11*1024, 1024)
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// Every part but the last is exactly one part size: the body was cut
	// as it was written, never held whole.
	if len(client.partSizes) != 3 || client.partSizes[0] != MinPartSize || client.partSizes[1] != MinPartSize || client.partSizes[2] > MinPartSize {
		t.Errorf("part sizes %v, want two of %d and a smaller last one", client.partSizes, MinPartSize)
	}
	// The part buffer never grew beyond a part.
	if buf, ok := s.bufs.Get().(*[]byte); ok && cap(*buf) > MinPartSize {
		t.Errorf("part buffer of %d bytes, more than a part", cap(*buf))
	}
}

func TestFailedPartAbortsTheUpload(t *testing.T) {
	srv := startGofakes3(t)
	client := &flakyClient{Client: reader(srv.endpoint), failPart: 2}
	s, err := NewWithClient(Config{Bucket: bucket, PartSize: MinPartSize}, client)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := batch("b-1", 11*1024, 1024)
	if err := s.Send(context.Background(), b); err == nil {
		t.Fatal("Send succeeded with a lost part")
	}
	if client.aborts != 1 {
		t.Errorf("%d aborts, want 1", client.aborts)
	}
	if objs := readBucket(t, srv.endpoint, ""); len(objs) != 0 {
		t.Errorf("%d objects after a failed upload, want none", len(objs))
	}
}

// TestMultipartResumes continues an upload from its saved state, as a
// caller that persisted a Multipart would after a restart.
func TestMultipartResumes(t *testing.T) {
	srv := startGofakes3(t)
	client := reader(srv.endpoint)
	ctx := context.Background()
	part1 := bytes.Repeat([]byte("a"), MinPartSize)
	part2 := []byte("the end\n")

	mp, err := StartMultipart(ctx, client, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("video/seg-1.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	if err := mp.UploadPart(ctx, client, part1); err != nil {
		t.Fatal(err)
	}
	saved := *mp // what a caller would persist

	resumed := &Multipart{Bucket: saved.Bucket, Key: saved.Key, UploadID: saved.UploadID, Parts: saved.Parts}
	if resumed.NextPart() != 2 {
		t.Fatalf("next part %d, want 2", resumed.NextPart())
	}
	if err := resumed.UploadPart(ctx, client, part2); err != nil {
		t.Fatal(err)
	}
	if err := resumed.Complete(ctx, client); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("video/seg-1.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, _ := io.ReadAll(out.Body)
	if !bytes.Equal(got, append(part1, part2...)) {
		t.Errorf("resumed upload holds %d bytes, want %d", len(got), len(part1)+len(part2))
	}
}
