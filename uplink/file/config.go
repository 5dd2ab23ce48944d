package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/object"
)

// Config is the `file` destination's configuration.
type Config struct {
	// Dir is the directory objects are written under; it is created when
	// missing.
	Dir string `yaml:"dir"`
	// Prefix and ErrorPrefix name objects as Firehose's Prefix and
	// ErrorOutputPrefix do (see package object).
	Prefix      string `yaml:"prefix"`
	ErrorPrefix string `yaml:"error_prefix"`
	// Compression is the delivery's compression: gzip, zstd, snappy or
	// none.
	Compression string `yaml:"compression"`
}

// Validate checks the configuration without touching the disk. Errors
// wrap uplink.ErrConfig and name the key.
func (c Config) Validate() error {
	_, err := c.layout()
	return err
}

// CheckEnvironment says whether dir can be written under on this machine:
// it is a directory, or the nearest of its parents that exists is (the
// sink creates the rest). Whether the gateway's user may write there is
// left to the first write, which says so.
func (c Config) CheckEnvironment() error {
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return fmt.Errorf("%w: file: dir: %w", uplink.ErrConfig, err)
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return nil
		case err == nil:
			return fmt.Errorf("%w: file: dir: %s is not a directory", uplink.ErrConfig, p)
		case !errors.Is(err, fs.ErrNotExist) || p == filepath.Dir(p):
			return fmt.Errorf("%w: file: dir: %w", uplink.ErrConfig, err)
		}
	}
}

var _ uplink.EnvironmentChecker = Config{}

func (c Config) layout() (*object.Layout, error) {
	if c.Dir == "" {
		return nil, fmt.Errorf("%w: file: dir: required", uplink.ErrConfig)
	}
	comp, err := object.ParseCompression(c.Compression)
	if err != nil {
		return nil, fmt.Errorf("%w: file: compression: %w", uplink.ErrConfig, err)
	}
	l, err := object.NewLayout(c.Prefix, c.ErrorPrefix, comp)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	// A prefix is literal text around expressions whose values are safe
	// path segments; a sample object tells whether the literal text keeps
	// names inside dir (no "..", no leading "/").
	sample := &uplink.Batch{ID: "validate", Delivery: "d", Created: time.Unix(0, 0), Records: []uplink.Record{{PartitionKey: "k"}}}
	for _, c := range []struct {
		key  string
		name func() ([]object.Object, error)
	}{
		{"prefix", func() ([]object.Object, error) { return l.Objects(sample) }},
		{"error_prefix", func() ([]object.Object, error) { return l.ErrorObjects(sample, "processing-failed") }},
	} {
		objs, err := c.name()
		if err != nil {
			return nil, fmt.Errorf("%w: file: %s: %w", uplink.ErrConfig, c.key, err)
		}
		if !filepath.IsLocal(filepath.FromSlash(objs[0].Key)) {
			return nil, fmt.Errorf("%w: file: %s: names %q, outside dir", uplink.ErrConfig, c.key, objs[0].Key)
		}
	}
	return l, nil
}
