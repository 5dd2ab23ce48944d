package firehoseapi

import (
	"encoding/json"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
)

// s3Config is an S3DestinationConfiguration or, with its extra members,
// an ExtendedS3DestinationConfiguration.
type s3Config struct {
	RoleARN           string
	BucketARN         *string
	Prefix            string
	ErrorOutputPrefix string
	BufferingHints    *bufferingHints
	CompressionFormat string
	// Accepted and ignored: they change neither what is delivered nor where.
	EncryptionConfiguration  json.RawMessage
	CloudWatchLoggingOptions json.RawMessage
	FileExtension            string
	CustomTimeZone           string
	// Extended only; refused when enabled, since the gateway would deliver
	// other records than the client asked for.
	ProcessingConfiguration           *processingConfig
	DataFormatConversionConfiguration *struct{ Enabled *bool }
	DynamicPartitioningConfiguration  *struct{ Enabled *bool }
	S3BackupMode                      string
}

type bufferingHints struct {
	SizeInMBs         *int32
	IntervalInSeconds *int32
}

type processingConfig struct {
	Enabled    *bool
	Processors []json.RawMessage
}

// enabled reports whether a processing configuration would transform
// records: when it says so, or when it lists processors and says nothing.
func (p *processingConfig) enabled() bool {
	if p == nil {
		return false
	}
	if p.Enabled != nil {
		return *p.Enabled
	}
	return len(p.Processors) > 0
}

type httpConfig struct {
	EndpointConfiguration *endpointConfig
	BufferingHints        *bufferingHints
	RequestConfiguration  *requestConfig
	RetryOptions          *struct{ DurationInSeconds *int32 }
	RoleARN               string
	S3BackupMode          string
	S3Configuration       *s3Config
	// Refused when enabled.
	ProcessingConfiguration     *processingConfig
	SecretsManagerConfiguration *struct{ Enabled *bool }
	// Accepted and ignored.
	CloudWatchLoggingOptions json.RawMessage
}

type endpointConfig struct {
	Url       *string
	Name      string
	AccessKey string
}

type requestConfig struct {
	ContentEncoding  string
	CommonAttributes []commonAttribute
}

type commonAttribute struct {
	AttributeName  *string
	AttributeValue *string
}

// Limits of Firehose's model.
const (
	maxS3BufferMBs    = 128
	maxHTTPBufferMBs  = 64
	maxBufferInterval = 900
	maxPrefixLength   = 1024
	maxBucketARN      = 2048
	maxURLLength      = 1000
	maxAttributes     = 50
	maxHTTPRetry      = 7200
)

func parseS3(member string, c *s3Config, extended bool) (*s3Destination, error) {
	if c.BucketARN == nil {
		return nil, required(member + ".bucketARN")
	}
	arn := *c.BucketARN
	switch {
	case arn == "" || len(arn) > maxBucketARN:
		return nil, validationError("Value '%s' at '%s.bucketARN' failed to satisfy constraint: Member must have length between 1 and %d", awsjson.Truncate(arn, 100), member, maxBucketARN)
	case bucketName(arn) == "":
		return nil, validationError(`Value '%s' at '%s.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\w\.\-]{1,255}`, awsjson.Truncate(arn, 300), member)
	}
	for _, p := range []struct{ name, v string }{{"prefix", c.Prefix}, {"errorOutputPrefix", c.ErrorOutputPrefix}} {
		if utf8.RuneCountInString(p.v) > maxPrefixLength {
			return nil, validationError("Value '%s' at '%s.%s' failed to satisfy constraint: Member must have length less than or equal to %d", awsjson.Truncate(p.v, 100), member, p.name, maxPrefixLength)
		}
	}
	buf, err := parseBuffering(member+".bufferingHints", c.BufferingHints, maxS3BufferMBs)
	if err != nil {
		return nil, err
	}
	d := &s3Destination{RoleARN: c.RoleARN, BucketARN: arn, Prefix: c.Prefix, ErrorOutputPrefix: c.ErrorOutputPrefix, Buffering: buf}
	switch c.CompressionFormat {
	case "", "UNCOMPRESSED":
		d.CompressionFormat = "UNCOMPRESSED"
	case "GZIP", "Snappy":
		d.CompressionFormat = c.CompressionFormat
	case "ZIP", "HADOOP_SNAPPY":
		return nil, invalidArgument("CompressionFormat %s is not supported by this gateway: use UNCOMPRESSED, GZIP or Snappy.", c.CompressionFormat)
	default:
		return nil, validationError("Value '%s' at '%s.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]", awsjson.Truncate(c.CompressionFormat, 100), member)
	}
	if !extended {
		return d, nil
	}
	switch {
	case c.ProcessingConfiguration.enabled():
		return nil, invalidArgument("ProcessingConfiguration (Lambda transforms) is not supported by this gateway.")
	case c.DataFormatConversionConfiguration != nil && (c.DataFormatConversionConfiguration.Enabled == nil || *c.DataFormatConversionConfiguration.Enabled):
		return nil, invalidArgument("DataFormatConversionConfiguration is not supported by this gateway.")
	case c.DynamicPartitioningConfiguration != nil && c.DynamicPartitioningConfiguration.Enabled != nil && *c.DynamicPartitioningConfiguration.Enabled:
		return nil, invalidArgument("DynamicPartitioningConfiguration is not supported by this gateway.")
	}
	switch c.S3BackupMode {
	case "", "Disabled":
	case "Enabled":
		return nil, invalidArgument("S3BackupMode Enabled is not supported by this gateway.")
	default:
		return nil, validationError("Value '%s' at '%s.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [Disabled, Enabled]", awsjson.Truncate(c.S3BackupMode, 100), member)
	}
	return d, nil
}

// parseBuffering applies Firehose's defaults (5 MB, 300 s) to the hints
// not given and checks their ranges.
func parseBuffering(member string, h *bufferingHints, maxMBs int32) (buffering, error) {
	b := buffering{SizeInMBs: defaultBufferMBs, IntervalInSeconds: defaultBufferInterval}
	if h == nil {
		return b, nil
	}
	if v := h.SizeInMBs; v != nil {
		if err := checkRange(member+".sizeInMBs", *v, 1, maxMBs); err != nil {
			return b, err
		}
		b.SizeInMBs = *v
	}
	if v := h.IntervalInSeconds; v != nil {
		if err := checkRange(member+".intervalInSeconds", *v, 0, maxBufferInterval); err != nil {
			return b, err
		}
		b.IntervalInSeconds = *v
	}
	return b, nil
}

func checkRange(member string, v, lo, hi int32) error {
	switch {
	case v < lo:
		return validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, member, lo)
	case v > hi:
		return validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, member, hi)
	}
	return nil
}

func parseHTTP(member string, c *httpConfig) (*httpDestination, error) {
	if c.EndpointConfiguration == nil {
		return nil, required(member + ".endpointConfiguration")
	}
	ec := c.EndpointConfiguration
	if ec.Url == nil {
		return nil, required(member + ".endpointConfiguration.url")
	}
	raw := *ec.Url
	if raw == "" || utf8.RuneCountInString(raw) > maxURLLength {
		return nil, validationError("Value '%s' at '%s.endpointConfiguration.url' failed to satisfy constraint: Member must have length between 1 and %d", awsjson.Truncate(raw, 100), member, maxURLLength)
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalidArgument("Url %q is not an http:// or https:// URL.", awsjson.Truncate(raw, 300))
	}
	switch {
	case utf8.RuneCountInString(ec.Name) > 256:
		return nil, validationError("Value '%s' at '%s.endpointConfiguration.name' failed to satisfy constraint: Member must have length less than or equal to 256", awsjson.Truncate(ec.Name, 100), member)
	case len(ec.AccessKey) > 4096:
		return nil, validationError("Value '***' at '%s.endpointConfiguration.accessKey' failed to satisfy constraint: Member must have length less than or equal to 4096", member)
	}
	buf, err := parseBuffering(member+".bufferingHints", c.BufferingHints, maxHTTPBufferMBs)
	if err != nil {
		return nil, err
	}
	d := &httpDestination{URL: raw, Name: ec.Name, AccessKey: ec.AccessKey, RoleARN: c.RoleARN, ContentEncoding: "NONE",
		Buffering: buf, RetrySeconds: defaultHTTPRetry}
	if rc := c.RequestConfiguration; rc != nil {
		switch rc.ContentEncoding {
		case "", "NONE":
		case "GZIP":
			d.ContentEncoding = "GZIP"
		default:
			return nil, validationError("Value '%s' at '%s.requestConfiguration.contentEncoding' failed to satisfy constraint: Member must satisfy enum value set: [NONE, GZIP]", awsjson.Truncate(rc.ContentEncoding, 100), member)
		}
		if d.CommonAttributes, err = parseAttributes(member+".requestConfiguration.commonAttributes", rc.CommonAttributes); err != nil {
			return nil, err
		}
	}
	if ro := c.RetryOptions; ro != nil && ro.DurationInSeconds != nil {
		if err := checkRange(member+".retryOptions.durationInSeconds", *ro.DurationInSeconds, 0, maxHTTPRetry); err != nil {
			return nil, err
		}
		d.RetrySeconds = *ro.DurationInSeconds
	}
	switch c.S3BackupMode {
	case "", "FailedDataOnly":
	case "AllData":
		return nil, invalidArgument("S3BackupMode AllData is not supported by this gateway: records the endpoint refuses go to the dead-letter stream.")
	default:
		return nil, validationError("Value '%s' at '%s.s3BackupMode' failed to satisfy constraint: Member must satisfy enum value set: [FailedDataOnly, AllData]", awsjson.Truncate(c.S3BackupMode, 100), member)
	}
	switch {
	case c.ProcessingConfiguration.enabled():
		return nil, invalidArgument("ProcessingConfiguration (Lambda transforms) is not supported by this gateway.")
	case c.SecretsManagerConfiguration != nil && c.SecretsManagerConfiguration.Enabled != nil && *c.SecretsManagerConfiguration.Enabled:
		return nil, invalidArgument("SecretsManagerConfiguration is not supported by this gateway: give the AccessKey in EndpointConfiguration.")
	}
	if c.S3Configuration != nil {
		if d.Backup, err = parseS3(member+".s3Configuration", c.S3Configuration, false); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func parseAttributes(member string, attrs []commonAttribute) ([]attribute, error) {
	if len(attrs) > maxAttributes {
		return nil, validationError("Value '[...]' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member, maxAttributes)
	}
	out := make([]attribute, 0, len(attrs))
	seen := make(map[string]bool, len(attrs))
	for i, at := range attrs {
		m := member + "." + strconv.Itoa(i+1) + ".member"
		switch {
		case at.AttributeName == nil:
			return nil, required(m + ".attributeName")
		case at.AttributeValue == nil:
			return nil, required(m + ".attributeValue")
		case *at.AttributeName == "" || utf8.RuneCountInString(*at.AttributeName) > 256:
			return nil, validationError("Value '%s' at '%s.attributeName' failed to satisfy constraint: Member must have length between 1 and 256", awsjson.Truncate(*at.AttributeName, 100), m)
		case utf8.RuneCountInString(*at.AttributeValue) > 1024:
			return nil, validationError("Value '%s' at '%s.attributeValue' failed to satisfy constraint: Member must have length less than or equal to 1024", awsjson.Truncate(*at.AttributeValue, 100), m)
		case seen[*at.AttributeName]:
			return nil, invalidArgument("CommonAttributes name %q is given twice.", *at.AttributeName)
		}
		seen[*at.AttributeName] = true
		out = append(out, attribute{Name: *at.AttributeName, Value: *at.AttributeValue})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
