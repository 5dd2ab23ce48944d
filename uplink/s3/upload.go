package s3

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// contentType is what every object is: the records as the delivery
// formatted them, which S3 cannot know more about.
const contentType = "application/octet-stream"

// upload is one object on its way: the compressor writes into it, it
// keeps at most one part in memory, and it turns into a multipart upload
// the moment the body outgrows a part.
type upload struct {
	ctx context.Context
	s   *Sink
	key string
	buf []byte // the part being filled; never grows beyond a part
	mp  *Multipart
}

func (u *upload) Write(p []byte) (int, error) {
	written := 0
	part := int(u.s.partSize)
	for len(p) > 0 {
		n := min(len(p), part-len(u.buf))
		if len(u.buf)+n > cap(u.buf) {
			// Grow by doubling, as append would, but never past a part.
			grown := make([]byte, len(u.buf), min(max(2*cap(u.buf), len(u.buf)+n, 64<<10), part))
			copy(grown, u.buf)
			u.buf = grown
		}
		u.buf = append(u.buf, p[:n]...)
		p = p[n:]
		written += n
		if len(u.buf) == part {
			if err := u.flushPart(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (u *upload) flushPart() error {
	if u.mp == nil {
		mp, err := StartMultipart(u.ctx, u.s.client, &s3.CreateMultipartUploadInput{
			Bucket:          aws.String(u.s.bucket),
			Key:             aws.String(u.key),
			ContentType:     aws.String(contentType),
			ContentEncoding: u.s.contentEncoding(),
		})
		if err != nil {
			return err
		}
		u.mp = mp
	}
	if err := u.mp.UploadPart(u.ctx, u.s.client, u.buf); err != nil {
		return err
	}
	u.buf = u.buf[:0]
	return nil
}

// finish puts the object whole when it fits in a part, or uploads the last
// part and completes the multipart upload.
func (u *upload) finish() error {
	if u.mp == nil {
		_, err := u.s.client.PutObject(u.ctx, &s3.PutObjectInput{
			Bucket:          aws.String(u.s.bucket),
			Key:             aws.String(u.key),
			Body:            bytes.NewReader(u.buf),
			ContentLength:   aws.Int64(int64(len(u.buf))),
			ContentType:     aws.String(contentType),
			ContentEncoding: u.s.contentEncoding(),
		})
		if err != nil {
			return fmt.Errorf("s3: put object %q: %w", u.key, err)
		}
		return nil
	}
	if len(u.buf) > 0 {
		if err := u.flushPart(); err != nil {
			return err
		}
	}
	return u.mp.Complete(u.ctx, u.s.client)
}

// abort discards a multipart upload that will not complete, so its parts
// do not linger in the bucket. It runs even when ctx is done.
func (u *upload) abort() {
	if u.mp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(u.ctx), 30*time.Second)
	defer cancel()
	if err := u.mp.Abort(ctx, u.s.client); err != nil {
		u.s.log.Warn("s3: multipart upload left behind; a bucket lifecycle rule for incomplete uploads removes it",
			"bucket", u.s.bucket, "key", u.key, "upload_id", u.mp.UploadID, "err", err)
	}
}
