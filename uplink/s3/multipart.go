package s3

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MultipartClient is what a multipart upload needs of an S3 client;
// *s3.Client has it.
type MultipartClient interface {
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// Multipart is the state of one multipart upload: the upload id and the
// parts the store acknowledged. That is all it takes to continue an upload
// after an interruption (upload the next part, complete), so a caller that
// persists a Multipart (video segments will) can resume instead of starting
// over. Its fields are exported for that reason.
type Multipart struct {
	Bucket   string
	Key      string
	UploadID string
	// Parts are the acknowledged parts, numbered from 1 in order.
	Parts []types.CompletedPart
}

// StartMultipart creates a multipart upload of in.Bucket/in.Key.
func StartMultipart(ctx context.Context, c MultipartClient, in *s3.CreateMultipartUploadInput) (*Multipart, error) {
	out, err := c.CreateMultipartUpload(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("s3: create multipart upload %q: %w", aws.ToString(in.Key), err)
	}
	if aws.ToString(out.UploadId) == "" {
		return nil, fmt.Errorf("s3: create multipart upload %q: no upload id in the answer", aws.ToString(in.Key))
	}
	return &Multipart{Bucket: aws.ToString(in.Bucket), Key: aws.ToString(in.Key), UploadID: aws.ToString(out.UploadId)}, nil
}

// NextPart is the number the next part gets.
func (m *Multipart) NextPart() int32 { return int32(len(m.Parts)) + 1 }

// UploadPart uploads body as the next part and records it. Every part but
// the last must be at least 5 MiB.
func (m *Multipart) UploadPart(ctx context.Context, c MultipartClient, body []byte) error {
	n := m.NextPart()
	if n > maxParts {
		return fmt.Errorf("s3: upload part %d of %q: S3 takes at most %d parts", n, m.Key, maxParts)
	}
	out, err := c.UploadPart(ctx, &s3.UploadPartInput{
		Bucket:        aws.String(m.Bucket),
		Key:           aws.String(m.Key),
		UploadId:      aws.String(m.UploadID),
		PartNumber:    aws.Int32(n),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return fmt.Errorf("s3: upload part %d of %q: %w", n, m.Key, err)
	}
	// The checksums the store computed go back into the completion: a
	// store that was asked for checksums refuses a completion without them.
	m.Parts = append(m.Parts, types.CompletedPart{
		PartNumber:        aws.Int32(n),
		ETag:              out.ETag,
		ChecksumCRC32:     out.ChecksumCRC32,
		ChecksumCRC32C:    out.ChecksumCRC32C,
		ChecksumCRC64NVME: out.ChecksumCRC64NVME,
		ChecksumSHA1:      out.ChecksumSHA1,
		ChecksumSHA256:    out.ChecksumSHA256,
	})
	return nil
}

// Complete assembles the parts into the object.
func (m *Multipart) Complete(ctx context.Context, c MultipartClient) error {
	_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(m.Bucket),
		Key:             aws.String(m.Key),
		UploadId:        aws.String(m.UploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.Parts},
	})
	if err != nil {
		return fmt.Errorf("s3: complete multipart upload %q (%d parts): %w", m.Key, len(m.Parts), err)
	}
	return nil
}

// Abort discards the upload and the parts the store holds for it.
func (m *Multipart) Abort(ctx context.Context, c MultipartClient) error {
	_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(m.Bucket),
		Key:      aws.String(m.Key),
		UploadId: aws.String(m.UploadID),
	})
	if err != nil {
		return fmt.Errorf("s3: abort multipart upload %q: %w", m.Key, err)
	}
	return nil
}
