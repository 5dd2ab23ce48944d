package firehoseapi

import (
	"fmt"
	"time"

	"github.com/tidegate/tidegate/uplink"
)

// Delivery stream types.
const (
	typeDirectPut     = "DirectPut"
	typeKinesisSource = "KinesisStreamAsSource"
	typeMSKSource     = "MSKAsSource"
	typeDatabase      = "DatabaseAsSource"
)

// definition is a delivery stream as the API keeps it, in memory and in its
// file: the request's configuration, checked and normalized, and what the
// API decided at creation (stream, start, time, version).
type definition struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Stream is the backing stream of a DirectPut delivery stream (puts go
	// there) or the source stream of a KinesisStreamAsSource one.
	Stream string         `json:"stream"`
	Source *kinesisSource `json:"source,omitempty"`
	// Start is where the delivery begins without a checkpoint: the whole
	// backing stream when the API created it, else the records that arrive
	// from Created on (as Firehose reads a source stream).
	Start     string           `json:"start"`
	Created   time.Time        `json:"created"`
	VersionID string           `json:"version_id"`
	S3        *s3Destination   `json:"s3,omitempty"`
	HTTP      *httpDestination `json:"http,omitempty"`
}

type kinesisSource struct {
	StreamARN string `json:"stream_arn"`
	RoleARN   string `json:"role_arn,omitempty"`
}

// buffering holds Firehose's buffering hints, defaults applied.
type buffering struct {
	SizeInMBs         int32 `json:"size_mb"`
	IntervalInSeconds int32 `json:"interval_seconds"`
}

// Firehose's buffering defaults, the same for S3 and HTTP endpoints.
const (
	defaultBufferMBs      = 5
	defaultBufferInterval = 300
	defaultHTTPRetry      = 300 // seconds
)

type s3Destination struct {
	RoleARN           string    `json:"role_arn,omitempty"`
	BucketARN         string    `json:"bucket_arn"`
	Prefix            string    `json:"prefix,omitempty"`
	ErrorOutputPrefix string    `json:"error_output_prefix,omitempty"`
	CompressionFormat string    `json:"compression_format"` // UNCOMPRESSED, GZIP, Snappy
	Buffering         buffering `json:"buffering"`
}

type httpDestination struct {
	URL       string `json:"url"`
	Name      string `json:"name,omitempty"`
	AccessKey string `json:"access_key,omitempty"`
	RoleARN   string `json:"role_arn,omitempty"`
	// ContentEncoding is NONE or GZIP.
	ContentEncoding  string      `json:"content_encoding"`
	CommonAttributes []attribute `json:"common_attributes,omitempty"`
	Buffering        buffering   `json:"buffering"`
	RetrySeconds     int32       `json:"retry_seconds"`
	// Backup is the S3Configuration Firehose requires next to an HTTP
	// endpoint, kept to be described: records the endpoint refuses go to
	// the delivery's dead-letter stream instead.
	Backup *s3Destination `json:"backup,omitempty"`
}

type attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// destination returns the definition's Destination, or nil when it only
// stores into its stream.
func (a *API) destination(d *definition) Destination {
	switch {
	case d.S3 != nil:
		return S3Destination{
			Bucket: bucketName(d.S3.BucketARN), Prefix: d.S3.Prefix, ErrorPrefix: d.S3.ErrorOutputPrefix,
			Compression: s3Compression(d.S3.CompressionFormat), Region: a.S3Region, Endpoint: a.S3Endpoint,
			ForcePathStyle: a.S3ForcePathStyle,
		}
	case d.HTTP != nil:
		h := HTTPDestination{URL: d.HTTP.URL, AccessKey: d.HTTP.AccessKey, Compression: httpCompression(d.HTTP.ContentEncoding),
			SourceARN: a.deliveryStreamARN(d.Name)}
		if len(d.HTTP.CommonAttributes) > 0 {
			h.CommonAttributes = make(map[string]string, len(d.HTTP.CommonAttributes))
			for _, at := range d.HTTP.CommonAttributes {
				h.CommonAttributes[at.Name] = at.Value
			}
		}
		return h
	}
	return nil
}

// spec builds the delivery of a definition; ok is false when it has no
// destination.
func (a *API) spec(d *definition) (spec uplink.Spec, ok bool, err error) {
	dest := a.destination(d)
	if dest == nil {
		return uplink.Spec{}, false, nil
	}
	var cfg any = dest
	if a.Destinations != nil {
		if cfg, err = a.Destinations(dest); err != nil {
			return uplink.Spec{}, true, fmt.Errorf("firehose: destination of %q: %w", d.Name, err)
		}
	}
	spec = uplink.Spec{
		Name: d.Name, From: []string{d.Stream}, Start: d.Start, Format: uplink.FormatRaw,
		Destination: cfg, DestinationType: dest.Type(),
	}
	if d.Start == uplink.StartAtTimestamp {
		spec.StartTime = d.Created
	}
	var buf buffering
	switch dest := dest.(type) {
	case S3Destination:
		buf, spec.Compression = d.S3.Buffering, dest.Compression
		// Firehose retries S3 for 24 hours: the engine's default.
	case HTTPDestination:
		buf, spec.Compression = d.HTTP.Buffering, dest.Compression
		// Firehose's 0 (no retry) becomes one second: the engine reads a
		// zero retry duration as its 24-hour default.
		spec.RetryDuration = time.Duration(max(d.HTTP.RetrySeconds, 1)) * time.Second
	}
	spec.BufferSize = int64(buf.SizeInMBs) << 20
	spec.BufferInterval = time.Duration(buf.IntervalInSeconds) * time.Second
	if err := spec.Validate(); err != nil {
		return uplink.Spec{}, true, fmt.Errorf("firehose: delivery of %q: %w", d.Name, err)
	}
	return spec, true, nil
}

// s3Compression maps a Firehose CompressionFormat to the sink's name.
func s3Compression(format string) string {
	switch format {
	case "GZIP":
		return "gzip"
	case "Snappy":
		return "snappy"
	}
	return "none"
}

// httpCompression maps a Firehose ContentEncoding to the sink's name.
func httpCompression(enc string) string {
	if enc == "GZIP" {
		return "gzip"
	}
	return "none"
}
