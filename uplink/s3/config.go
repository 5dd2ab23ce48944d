package s3

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
	"github.com/tidegate/tidegate/uplink/object"
)

// Part sizes. S3 takes parts of 5 MiB to 5 GiB (the last may be smaller)
// and at most 10,000 of them. A part is held in memory, so on a 32-bit
// machine it stays below 2 GiB.
const (
	DefaultPartSize = 8 << 20
	MinPartSize     = 5 << 20
	MaxPartSize     = min(5<<30, math.MaxInt)
	maxParts        = 10000
)

// Config is the `s3` destination's configuration.
type Config struct {
	Bucket string `yaml:"bucket"`
	// Prefix and ErrorPrefix name objects as Firehose's Prefix and
	// ErrorOutputPrefix do (see package uplink/object).
	Prefix      string `yaml:"prefix"`
	ErrorPrefix string `yaml:"error_prefix"`
	// Region is the bucket's region; empty takes it from the standard
	// chain (AWS_REGION, the profile), or us-east-1 with an Endpoint.
	Region string `yaml:"region"`
	// Endpoint is an S3-compatible store's URL (http://minio:9000); empty
	// is AWS.
	Endpoint string `yaml:"endpoint"`
	// ForcePathStyle addresses buckets as endpoint/bucket/key rather than
	// bucket.endpoint/key. Unset, it is on with an Endpoint (what
	// self-hosted stores serve) and off without.
	ForcePathStyle *bool `yaml:"force_path_style"`
	// Compression is the delivery's compression: gzip, zstd, snappy or
	// none.
	Compression string `yaml:"compression"`
	// PartSize is the size of a multipart upload's parts in bytes, and the
	// size from which an object is uploaded in parts. 0 is 8 MiB.
	PartSize int64 `yaml:"part_size"`
	// Logger gets what the sink cannot return (an abort that failed); nil
	// is slog.Default().
	Logger *slog.Logger `yaml:"-"`
	// Credentials, when set, sign the requests in place of the standard
	// chain's. Not a configuration key (a delivery's credentials stay out
	// of the file): the gateway sets it for its hub's S3 store.
	Credentials aws.CredentialsProvider `yaml:"-"`
}

// Validate checks the configuration without contacting the store. Errors
// wrap uplink.ErrConfig and name the key.
func (c Config) Validate() error {
	_, err := c.layout()
	return err
}

// CheckEnvironment says whether the bucket's region is known on this
// machine: configured, in the AWS environment, or taken as us-east-1 for a
// self-hosted store (endpoint).
func (c Config) CheckEnvironment() error {
	if c.Endpoint != "" {
		return nil
	}
	if err := awsclient.CheckRegion(context.Background(), c.Region); err != nil {
		return fmt.Errorf("%w: s3: region: %w", uplink.ErrConfig, err)
	}
	return nil
}

var _ uplink.EnvironmentChecker = Config{}

func (c Config) layout() (*object.Layout, error) {
	if err := checkBucket(c.Bucket); err != nil {
		return nil, fmt.Errorf("%w: s3: bucket: %w", uplink.ErrConfig, err)
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: s3: endpoint: %q is not an http:// or https:// URL", uplink.ErrConfig, c.Endpoint)
		}
	}
	if c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize) {
		return nil, fmt.Errorf("%w: s3: part_size: %d bytes is outside %d to %d (S3 takes parts of 5 MiB to 5 GiB)", uplink.ErrConfig, c.PartSize, MinPartSize, int64(MaxPartSize))
	}
	comp, err := object.ParseCompression(c.Compression)
	if err != nil {
		return nil, fmt.Errorf("%w: s3: compression: %w", uplink.ErrConfig, err)
	}
	l, err := object.NewLayout(c.Prefix, c.ErrorPrefix, comp)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	return l, nil
}

// checkBucket refuses what no store takes as a bucket name. It is looser
// than today's AWS rules on purpose: buckets made under the legacy rules
// (upper case, underscores) and on self-hosted stores still exist.
func checkBucket(b string) error {
	if b == "" {
		return fmt.Errorf("required")
	}
	if len(b) < 3 || len(b) > 255 {
		return fmt.Errorf("%q: a bucket name has 3 to 63 characters", b)
	}
	if i := strings.IndexFunc(b, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '-' || r == '_')
	}); i >= 0 {
		return fmt.Errorf("%q: character %q: a bucket name holds letters, digits, dots, hyphens and underscores", b, b[i])
	}
	return nil
}

func (c Config) partSize() int64 {
	if c.PartSize == 0 {
		return DefaultPartSize
	}
	return c.PartSize
}
