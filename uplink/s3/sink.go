package s3

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/object"
)

// Client is what the sink needs of an S3 client; *s3.Client has it.
type Client interface {
	MultipartClient
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Sink writes batches as objects in a bucket.
type Sink struct {
	client   Client
	bucket   string
	layout   *object.Layout
	enc      *object.Encoder
	partSize int64
	log      *slog.Logger
	bufs     sync.Pool // of *[]byte, up to a part each
}

var (
	_ uplink.Sink        = (*Sink)(nil)
	_ uplink.ErrorWriter = (*Sink)(nil)
	_ Client             = (*s3.Client)(nil)
)

// New validates cfg and builds an S3 client from the standard credential
// chain. It does not contact the store: a gateway starts while the network
// is down, and the first Send tells. The Sink is safe for concurrent use.
func New(ctx context.Context, cfg Config) (*Sink, error) {
	if _, err := cfg.layout(); err != nil {
		return nil, err
	}
	opts := []func(*config.LoadOptions) error{
		// The delivery retries, with its backoff; the SDK's own retries
		// would sleep inside Send and hide an unreachable store.
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		if cfg.Endpoint == "" {
			return nil, fmt.Errorf("%w: s3: region: not set (the region key, AWS_REGION or the profile's region)", uplink.ErrConfig)
		}
		// Self-hosted stores sign with a region too, and take this one
		// unless told otherwise.
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
			// Checksums only where an operation requires them: the
			// aws-chunked trailers the SDK otherwise sends over HTTPS are
			// not understood by every S3-compatible store.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
		if cfg.ForcePathStyle != nil {
			o.UsePathStyle = *cfg.ForcePathStyle
		}
	})
	return NewWithClient(cfg, client)
}

// NewWithClient is New with a client the caller built (another credential
// source, a custom HTTP client).
func NewWithClient(cfg Config, client Client) (*Sink, error) {
	l, err := cfg.layout()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Sink{
		client:   client,
		bucket:   cfg.Bucket,
		layout:   l,
		enc:      object.NewEncoder(l.Compression()),
		partSize: cfg.partSize(),
		log:      log.With("sink", "s3", "bucket", cfg.Bucket),
	}, nil
}

// Send writes b as one object, or one per partition key when the prefix
// holds !{partitionKey}. When a later object fails, the earlier ones are
// written again, under the same names, when the batch is retried.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	objs, err := s.layout.Objects(b)
	if err != nil {
		return fmt.Errorf("s3: %w", err)
	}
	return s.write(ctx, objs)
}

// WriteErrors writes error records under the error prefix, with
// !{firehose:error-output-type} set to outputType.
func (s *Sink) WriteErrors(ctx context.Context, b *uplink.Batch, outputType string) error {
	objs, err := s.layout.ErrorObjects(b, outputType)
	if err != nil {
		return fmt.Errorf("s3: %w", err)
	}
	return s.write(ctx, objs)
}

func (s *Sink) write(ctx context.Context, objs []object.Object) error {
	for _, o := range objs {
		if err := s.put(ctx, o); err != nil {
			return classify(err)
		}
	}
	return nil
}

// put streams one object: records → compressor → parts → the store.
func (s *Sink) put(ctx context.Context, o object.Object) error {
	u := &upload{ctx: ctx, s: s, key: o.Key}
	if buf, ok := s.bufs.Get().(*[]byte); ok {
		u.buf = (*buf)[:0]
	}
	err := s.enc.Encode(u, o.Records)
	if err == nil {
		err = u.finish()
	}
	if err != nil {
		u.abort()
		// Not pooled: after a failed request the HTTP transport may still
		// be reading the body.
		return err
	}
	s.bufs.Put(&u.buf)
	return nil
}

func (s *Sink) contentEncoding() *string {
	if e := s.layout.Compression().ContentEncoding(); e != "" {
		return aws.String(e)
	}
	return nil
}

// Close releases nothing: the SDK's connections close with the process.
func (s *Sink) Close() error { return nil }
