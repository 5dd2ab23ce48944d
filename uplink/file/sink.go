package file

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/object"
)

// Sink writes batches as objects under a directory.
type Sink struct {
	dir    string
	layout *object.Layout
	enc    *object.Encoder
}

var (
	_ uplink.Sink        = (*Sink)(nil)
	_ uplink.ErrorWriter = (*Sink)(nil)
)

// New validates cfg and creates its directory. The Sink is safe for
// concurrent use by several deliveries (their objects have different
// names).
func New(cfg Config) (*Sink, error) {
	l, err := cfg.layout()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("file: dir %q: %w", cfg.Dir, err)
	}
	if err := mkdirAll(dir); err != nil {
		return nil, describe("create directory", dir, err)
	}
	return &Sink{dir: dir, layout: l, enc: object.NewEncoder(l.Compression())}, nil
}

// Dir is the absolute directory the sink writes under.
func (s *Sink) Dir() string { return s.dir }

// Send writes b as one object, or one per partition key when the prefix
// holds !{partitionKey}. Objects already written when a later one fails
// are written again, under the same names, when the batch is retried.
func (s *Sink) Send(ctx context.Context, b *uplink.Batch) error {
	objs, err := s.layout.Objects(b)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	return s.write(ctx, objs)
}

// WriteErrors writes error records under the error prefix, with
// !{firehose:error-output-type} set to outputType.
func (s *Sink) WriteErrors(ctx context.Context, b *uplink.Batch, outputType string) error {
	objs, err := s.layout.ErrorObjects(b, outputType)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	return s.write(ctx, objs)
}

func (s *Sink) write(ctx context.Context, objs []object.Object) error {
	for _, o := range objs {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := filepath.FromSlash(o.Key)
		if !filepath.IsLocal(rel) {
			return uplink.Permanent("InvalidObjectName", fmt.Errorf("file: object name %q is outside %s", o.Key, s.dir))
		}
		if err := s.writeObject(filepath.Join(s.dir, rel), o.Records); err != nil {
			return err
		}
	}
	return nil
}

// Close does nothing: every object is on disk when Send returns.
func (s *Sink) Close() error { return nil }
