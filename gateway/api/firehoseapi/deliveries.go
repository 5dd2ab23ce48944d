package firehoseapi

import "github.com/tidegate/tidegate/uplink"

// Deliveries is the delivery engine as the API needs it: the gateway
// implements it with its uplink manager. The API calls it with its own lock
// held and never from inside one of these calls.
type Deliveries interface {
	// CreateDelivery starts a delivery. spec.Destination is what the
	// DestinationMapper returned. An error wrapping uplink.ErrExists means a
	// delivery of that name runs already (ResourceInUseException; at
	// Initialize the API takes it for its own, registered before); one
	// wrapping uplink.ErrConfig refuses the definition
	// (InvalidArgumentException).
	CreateDelivery(spec uplink.Spec) error
	// DeleteDelivery stops a delivery and forgets it (its checkpoints may
	// go); uplink.ErrNotFound is not an error to the API.
	DeleteDelivery(name string) error
	// DeliveryStatus reports a delivery's state, false when there is none.
	DeliveryStatus(name string) (uplink.Status, bool)
}

// Destination is where a delivery stream delivers: an S3Destination or an
// HTTPDestination.
type Destination interface {
	// Type is the destination type of the delivery's Spec: "s3" or "http".
	Type() string
}

// DestinationMapper turns a delivery stream's destination into its sink's
// configuration (the registered s3 or http destination's), which becomes the
// Spec's Destination. An error refuses CreateDeliveryStream with
// InvalidArgumentException and its message.
type DestinationMapper func(d Destination) (config any, err error)

// S3Destination is an (Extended)S3DestinationConfiguration as a sink needs
// it, in the keys of an s3 delivery's `to:` block (the gateway decodes it as
// one).
type S3Destination struct {
	Bucket string `yaml:"bucket"`
	// Prefix and ErrorPrefix are Firehose's Prefix and ErrorOutputPrefix as
	// given, with their !{timestamp:…} and !{firehose:…} expressions: the
	// sink expands them, and applies Firehose's default "YYYY/MM/dd/HH/"
	// when Prefix is empty.
	Prefix      string `yaml:"prefix"`
	ErrorPrefix string `yaml:"error_prefix"`
	// Compression is "none", "gzip" or "snappy" (UNCOMPRESSED, GZIP,
	// Snappy).
	Compression string `yaml:"compression"`
	// Region, Endpoint and ForcePathStyle are the API's S3Region,
	// S3Endpoint and S3ForcePathStyle.
	Region         string `yaml:"region"`
	Endpoint       string `yaml:"endpoint"`
	ForcePathStyle *bool  `yaml:"force_path_style,omitempty"`
}

// HTTPDestination is an HttpEndpointDestinationConfiguration as a sink
// needs it (the Firehose HTTP endpoint delivery protocol), in the keys of an
// http delivery's `to:` block.
type HTTPDestination struct {
	URL string `yaml:"url"`
	// AccessKey goes in the X-Amz-Firehose-Access-Key header.
	AccessKey string `yaml:"access_key"`
	// Compression is "none" or "gzip" (ContentEncoding NONE, GZIP).
	Compression string `yaml:"compression"`
	// CommonAttributes go in the X-Amz-Firehose-Common-Attributes header.
	CommonAttributes map[string]string `yaml:"common_attributes"`
	// SourceARN is the delivery stream's ARN, which Firehose sends in the
	// X-Amz-Firehose-Source-Arn header.
	SourceARN string `yaml:"source_arn"`
}

// Type reports "s3".
func (S3Destination) Type() string { return "s3" }

// Type reports "http".
func (HTTPDestination) Type() string { return "http" }

var (
	_ Destination = S3Destination{}
	_ Destination = HTTPDestination{}
)
