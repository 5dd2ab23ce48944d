package firehoseapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// MaxDeliveryStreams is Firehose's default quota of delivery streams per
// account and region.
const MaxDeliveryStreams = 5000

type createInput struct {
	DeliveryStreamName                   *string
	DeliveryStreamType                   string
	KinesisStreamSourceConfiguration     *kinesisSourceConfig
	S3DestinationConfiguration           *s3Config
	ExtendedS3DestinationConfiguration   *s3Config
	HttpEndpointDestinationConfiguration *httpConfig
	Tags                                 []tag
	// Accepted and ignored: a direct put's throughput hint, and encryption
	// at rest (the data stays on the gateway's disk).
	DirectPutSourceConfiguration               json.RawMessage
	DeliveryStreamEncryptionConfigurationInput json.RawMessage
	// Refused: destinations and sources the gateway does not serve.
	RedshiftDestinationConfiguration                   json.RawMessage
	ElasticsearchDestinationConfiguration              json.RawMessage
	AmazonopensearchserviceDestinationConfiguration    json.RawMessage
	AmazonOpenSearchServerlessDestinationConfiguration json.RawMessage
	SplunkDestinationConfiguration                     json.RawMessage
	SnowflakeDestinationConfiguration                  json.RawMessage
	IcebergDestinationConfiguration                    json.RawMessage
	MSKSourceConfiguration                             json.RawMessage
	DatabaseSourceConfiguration                        json.RawMessage
}

type kinesisSourceConfig struct {
	KinesisStreamARN *string
	RoleARN          string
}

type tag struct {
	Key   *string
	Value string
}

type createOutput struct {
	DeliveryStreamARN string
}

// present reports whether a raw member was sent with a value.
func present(m json.RawMessage) bool { return len(m) > 0 && string(m) != "null" }

func (a *API) createDeliveryStream(_ *http.Request, in *createInput) (*createOutput, error) {
	d, err := a.parseCreate(in)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.defs[d.Name] != nil {
		return nil, awsjson.NewError(errResourceInUse, "Firehose stream %s under account %s already exists.", d.Name, a.account())
	}
	if len(a.defs) >= MaxDeliveryStreams {
		return nil, awsjson.NewError(errLimitExceeded, "You have already consumed your quota of %d Firehose streams.", MaxDeliveryStreams)
	}
	if a.Deliveries != nil {
		if _, ok := a.Deliveries.DeliveryStatus(d.Name); ok {
			return nil, awsjson.NewError(errResourceInUse, "A delivery named %s is configured on this gateway.", d.Name)
		}
	}
	hasDest := d.S3 != nil || d.HTTP != nil
	if hasDest && a.Deliveries == nil {
		return nil, invalidArgument("This gateway delivers nowhere: create the Firehose stream without a destination configuration.")
	}
	created, err := a.prepareStream(d)
	if err != nil {
		return nil, err
	}
	undoStream := func() {
		if created {
			if err := a.Store.DeleteStream(d.Stream); err != nil {
				a.logger().Error("firehose: remove backing stream after a failed create", "stream", d.Stream, "err", err)
			}
		}
	}
	spec, ok, err := a.spec(d)
	if err != nil {
		undoStream()
		return nil, invalidArgument("%s", err)
	}
	if ok {
		if err := a.Deliveries.CreateDelivery(spec); err != nil {
			undoStream()
			if errors.Is(err, uplink.ErrExists) {
				return nil, awsjson.NewError(errResourceInUse, "A delivery named %s is configured on this gateway.", d.Name)
			}
			return nil, fmt.Errorf("firehose: create delivery %q: %w", d.Name, err)
		}
	}
	defs := maps.Clone(a.defs)
	defs[d.Name] = d
	if err := a.save(defs); err != nil {
		if ok {
			if derr := a.Deliveries.DeleteDelivery(d.Name); derr != nil {
				a.logger().Error("firehose: remove delivery after a failed create", "delivery_stream", d.Name, "err", derr)
			}
		}
		undoStream()
		return nil, err
	}
	a.defs = defs
	a.logger().Info("firehose: delivery stream created", "delivery_stream", d.Name, "type", d.Type, "stream", d.Stream,
		"destination", destinationType(d))
	return &createOutput{DeliveryStreamARN: a.deliveryStreamARN(d.Name)}, nil
}

func destinationType(d *definition) string {
	switch {
	case d.S3 != nil:
		return "s3"
	case d.HTTP != nil:
		return "http"
	}
	return "none"
}

// prepareStream finds or creates the stream a new delivery stream reads,
// sets where its delivery starts and its creation time, and reports
// whether it created the stream.
func (a *API) prepareStream(d *definition) (created bool, err error) {
	// Milliseconds, as the wire and the stream positions have it.
	d.Created, d.VersionID = a.now().UTC().Truncate(time.Millisecond), "1"
	d.Start = uplink.StartAtTimestamp
	if d.Type == typeKinesisSource {
		if _, err := a.Store.Stream(d.Stream); err != nil {
			if errors.Is(err, shards.ErrNotFound) {
				return false, invalidArgument("Kinesis stream %s (%s) does not exist on this gateway.", d.Stream, d.Source.StreamARN)
			}
			return false, err
		}
		return false, nil
	}
	_, err = a.Store.CreateStream(d.Stream, shards.StreamConfig{Shards: a.shards()})
	switch {
	case errors.Is(err, shards.ErrExists):
		return false, nil // its records before now are not this delivery stream's
	case err != nil:
		return false, fmt.Errorf("firehose: create backing stream %q: %w", d.Stream, err)
	}
	d.Start = uplink.StartTrimHorizon
	return true, nil
}

// parseCreate checks a CreateDeliveryStream request as Firehose does, model
// constraints (ValidationException) before meaning (InvalidArgumentException),
// and returns the definition it asks for.
func (a *API) parseCreate(in *createInput) (*definition, error) {
	if in.DeliveryStreamName == nil {
		return nil, required("deliveryStreamName")
	}
	if err := checkName("deliveryStreamName", *in.DeliveryStreamName); err != nil {
		return nil, err
	}
	d := &definition{Name: *in.DeliveryStreamName, Type: in.DeliveryStreamType}
	if d.Type == "" {
		d.Type = typeDirectPut
	}
	switch d.Type {
	case typeDirectPut, typeKinesisSource:
	case typeMSKSource, typeDatabase:
		return nil, invalidArgument("DeliveryStreamType %s is not supported by this gateway: use DirectPut or KinesisStreamAsSource.", d.Type)
	default:
		return nil, validationError("Value '%s' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [%s, %s, %s, %s]",
			awsjson.Truncate(d.Type, 100), typeDirectPut, typeKinesisSource, typeMSKSource, typeDatabase)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	for _, u := range []struct {
		member string
		raw    json.RawMessage
	}{
		{"RedshiftDestinationConfiguration", in.RedshiftDestinationConfiguration},
		{"ElasticsearchDestinationConfiguration", in.ElasticsearchDestinationConfiguration},
		{"AmazonopensearchserviceDestinationConfiguration", in.AmazonopensearchserviceDestinationConfiguration},
		{"AmazonOpenSearchServerlessDestinationConfiguration", in.AmazonOpenSearchServerlessDestinationConfiguration},
		{"SplunkDestinationConfiguration", in.SplunkDestinationConfiguration},
		{"SnowflakeDestinationConfiguration", in.SnowflakeDestinationConfiguration},
		{"IcebergDestinationConfiguration", in.IcebergDestinationConfiguration},
		{"MSKSourceConfiguration", in.MSKSourceConfiguration},
		{"DatabaseSourceConfiguration", in.DatabaseSourceConfiguration},
	} {
		if present(u.raw) {
			return nil, invalidArgument("%s is not supported by this gateway: it delivers to S3 (ExtendedS3DestinationConfiguration) and HTTP endpoints (HttpEndpointDestinationConfiguration).", u.member)
		}
	}
	n := 0
	for _, set := range []bool{in.S3DestinationConfiguration != nil, in.ExtendedS3DestinationConfiguration != nil, in.HttpEndpointDestinationConfiguration != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, invalidArgument("Only one destination configuration is allowed per Firehose stream.")
	}
	var err error
	switch {
	case in.ExtendedS3DestinationConfiguration != nil:
		d.S3, err = parseS3("extendedS3DestinationConfiguration", in.ExtendedS3DestinationConfiguration, true)
	case in.S3DestinationConfiguration != nil:
		d.S3, err = parseS3("s3DestinationConfiguration", in.S3DestinationConfiguration, false)
	case in.HttpEndpointDestinationConfiguration != nil:
		d.HTTP, err = parseHTTP("httpEndpointDestinationConfiguration", in.HttpEndpointDestinationConfiguration)
	}
	if err != nil {
		return nil, err
	}
	return d, a.parseSource(d, in.KinesisStreamSourceConfiguration)
}

// parseSource sets the stream a delivery stream reads: its own (DirectPut)
// or the local stream a KinesisStreamARN names.
func (a *API) parseSource(d *definition, src *kinesisSourceConfig) error {
	if d.Type == typeDirectPut {
		if src != nil {
			return invalidArgument("KinesisStreamSourceConfiguration is only valid with DeliveryStreamType KinesisStreamAsSource.")
		}
		d.Stream = d.Name
		return nil
	}
	if src == nil {
		return invalidArgument("KinesisStreamSourceConfiguration is required for DeliveryStreamType KinesisStreamAsSource.")
	}
	if src.KinesisStreamARN == nil {
		return required("kinesisStreamSourceConfiguration.kinesisStreamARN")
	}
	arn := *src.KinesisStreamARN
	if len(arn) > 512 {
		return validationError("Value '%s' at 'kinesisStreamSourceConfiguration.kinesisStreamARN' failed to satisfy constraint: Member must have length less than or equal to 512", awsjson.Truncate(arn, 100))
	}
	name := kinesisStreamName(arn)
	if name == "" {
		return invalidArgument("KinesisStreamARN %q is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).", awsjson.Truncate(arn, 600))
	}
	d.Stream = name
	d.Source = &kinesisSource{StreamARN: arn, RoleARN: src.RoleARN}
	return nil
}

// checkName validates a delivery stream name as Firehose's model does.
func checkName(member, name string) error {
	switch {
	case name == "":
		return validationError("Value '' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", member)
	case utf8.RuneCountInString(name) > maxNameLength:
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", awsjson.Truncate(name, 100), member, maxNameLength)
	case !validName(name, maxNameLength) && name != "." && name != "..":
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name, member)
	case !validName(name, maxNameLength):
		return invalidArgument("Firehose stream name %q is reserved.", name)
	}
	return nil
}

// checkTags validates tags as Firehose does; the gateway keeps none.
func checkTags(tags []tag) error {
	if len(tags) > 50 {
		return validationError("Value '[...]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for i, t := range tags {
		member := fmt.Sprintf("tags.%d.member", i+1)
		switch {
		case t.Key == nil:
			return required(member + ".key")
		case *t.Key == "" || utf8.RuneCountInString(*t.Key) > 128:
			return validationError("Value '%s' at '%s.key' failed to satisfy constraint: Member must have length between 1 and 128", awsjson.Truncate(*t.Key, 200), member)
		case utf8.RuneCountInString(t.Value) > 256:
			return validationError("Value '%s' at '%s.value' failed to satisfy constraint: Member must have length less than or equal to 256", awsjson.Truncate(t.Value, 300), member)
		}
	}
	return nil
}
