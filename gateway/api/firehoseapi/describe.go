package firehoseapi

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"sort"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/uplink"
)

// destinationID is the id of a delivery stream's only destination.
const destinationID = "destinationId-000000000001"

type describeInput struct {
	DeliveryStreamName          *string
	Limit                       *int32
	ExclusiveStartDestinationId string
}

type describeOutput struct {
	DeliveryStreamDescription deliveryStreamDescription
}

type deliveryStreamDescription struct {
	DeliveryStreamName                    string
	DeliveryStreamARN                     string
	DeliveryStreamStatus                  string
	DeliveryStreamType                    string
	DeliveryStreamEncryptionConfiguration encryptionStatus
	FailureDescription                    *failureDescription `json:",omitempty"`
	VersionId                             string
	CreateTimestamp                       timestamp
	Source                                *sourceDescription `json:",omitempty"`
	Destinations                          []destinationDescription
	HasMoreDestinations                   bool
}

type encryptionStatus struct{ Status string }

type failureDescription struct{ Type, Details string }

type sourceDescription struct {
	KinesisStreamSourceDescription kinesisSourceDescription
}

type kinesisSourceDescription struct {
	KinesisStreamARN       string
	RoleARN                string `json:",omitempty"`
	DeliveryStartTimestamp timestamp
}

type destinationDescription struct {
	DestinationId                      string
	S3DestinationDescription           *s3Description           `json:",omitempty"`
	ExtendedS3DestinationDescription   *extendedS3Description   `json:",omitempty"`
	HttpEndpointDestinationDescription *httpEndpointDescription `json:",omitempty"`
}

type s3Description struct {
	RoleARN                  string `json:",omitempty"`
	BucketARN                string
	Prefix                   string `json:",omitempty"`
	ErrorOutputPrefix        string `json:",omitempty"`
	BufferingHints           bufferingOut
	CompressionFormat        string
	EncryptionConfiguration  noEncryption
	CloudWatchLoggingOptions loggingOff
}

type extendedS3Description struct {
	s3Description
	S3BackupMode string
}

type httpEndpointDescription struct {
	EndpointConfiguration    endpointDescription
	BufferingHints           bufferingOut
	CloudWatchLoggingOptions loggingOff
	RequestConfiguration     requestDescription
	RetryOptions             retryDescription
	RoleARN                  string `json:",omitempty"`
	S3BackupMode             string
	S3DestinationDescription *s3Description `json:",omitempty"`
}

type endpointDescription struct {
	Url  string
	Name string `json:",omitempty"`
}

type requestDescription struct {
	ContentEncoding  string
	CommonAttributes []attributeOut `json:",omitempty"`
}

type attributeOut struct{ AttributeName, AttributeValue string }

type retryDescription struct{ DurationInSeconds int32 }

type bufferingOut struct{ SizeInMBs, IntervalInSeconds int32 }

type noEncryption struct{ NoEncryptionConfig string }

type loggingOff struct{ Enabled bool }

func describeS3(d *s3Destination) *s3Description {
	return &s3Description{
		RoleARN: d.RoleARN, BucketARN: d.BucketARN, Prefix: d.Prefix, ErrorOutputPrefix: d.ErrorOutputPrefix,
		BufferingHints:          bufferingOut{d.Buffering.SizeInMBs, d.Buffering.IntervalInSeconds},
		CompressionFormat:       d.CompressionFormat,
		EncryptionConfiguration: noEncryption{"NoEncryption"},
	}
}

// describeDestination shapes a destination as Firehose does: an S3
// destination in both its plain and extended descriptions.
func describeDestination(d *definition) destinationDescription {
	out := destinationDescription{DestinationId: destinationID}
	switch {
	case d.S3 != nil:
		s3 := describeS3(d.S3)
		out.S3DestinationDescription = s3
		out.ExtendedS3DestinationDescription = &extendedS3Description{s3Description: *s3, S3BackupMode: "Disabled"}
	case d.HTTP != nil:
		h := d.HTTP
		hd := &httpEndpointDescription{
			EndpointConfiguration: endpointDescription{Url: h.URL, Name: h.Name},
			BufferingHints:        bufferingOut{h.Buffering.SizeInMBs, h.Buffering.IntervalInSeconds},
			RequestConfiguration:  requestDescription{ContentEncoding: h.ContentEncoding},
			RetryOptions:          retryDescription{h.RetrySeconds},
			RoleARN:               h.RoleARN,
			S3BackupMode:          "FailedDataOnly",
		}
		for _, at := range h.CommonAttributes {
			hd.RequestConfiguration.CommonAttributes = append(hd.RequestConfiguration.CommonAttributes, attributeOut{at.Name, at.Value})
		}
		if h.Backup != nil {
			hd.S3DestinationDescription = describeS3(h.Backup)
		}
		out.HttpEndpointDestinationDescription = hd
	}
	return out
}

// lookup returns a delivery stream's definition.
func (a *API) lookup(member string, name *string) (*definition, error) {
	if name == nil {
		return nil, required(member)
	}
	if err := checkName(member, *name); err != nil {
		return nil, err
	}
	a.mu.RLock()
	d := a.defs[*name]
	a.mu.RUnlock()
	if d == nil {
		return nil, a.notFound(*name)
	}
	return d, nil
}

func (a *API) notFound(name string) *awsjson.Error {
	return awsjson.NewError(errResourceNotFound, "Firehose stream %s under account %s not found.", name, a.account())
}

func (a *API) describeDeliveryStream(_ *http.Request, in *describeInput) (*describeOutput, error) {
	if in.Limit != nil {
		if err := checkRange("limit", *in.Limit, 1, 10000); err != nil {
			return nil, err
		}
	}
	d, err := a.lookup("deliveryStreamName", in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	desc := deliveryStreamDescription{
		DeliveryStreamName:                    d.Name,
		DeliveryStreamARN:                     a.deliveryStreamARN(d.Name),
		DeliveryStreamStatus:                  "ACTIVE",
		DeliveryStreamType:                    d.Type,
		DeliveryStreamEncryptionConfiguration: encryptionStatus{"DISABLED"},
		VersionId:                             d.VersionID,
		CreateTimestamp:                       timestamp{d.Created},
		Destinations:                          []destinationDescription{},
	}
	if d.Source != nil {
		desc.Source = &sourceDescription{KinesisStreamSourceDescription: kinesisSourceDescription{
			KinesisStreamARN: d.Source.StreamARN, RoleARN: d.Source.RoleARN, DeliveryStartTimestamp: timestamp{d.Created},
		}}
	}
	hasDest := d.S3 != nil || d.HTTP != nil
	// One destination fits any Limit: there are never more.
	if hasDest && in.ExclusiveStartDestinationId < destinationID {
		desc.Destinations = append(desc.Destinations, describeDestination(d))
	}
	if hasDest && a.Deliveries != nil {
		desc.FailureDescription = failure(a.Deliveries.DeliveryStatus(d.Name))
	}
	return &describeOutput{DeliveryStreamDescription: desc}, nil
}

// failure reports a delivery that cannot deliver: not started, failed to
// start, stopped, or failing with the destination refusing its records. The stream stays
// ACTIVE: it keeps taking records, which wait for the delivery.
func failure(st uplink.Status, ok bool) *failureDescription {
	switch {
	case !ok:
		return &failureDescription{Type: "UNKNOWN_ERROR", Details: "the delivery is not running on this gateway"}
	case (st.State == uplink.StateStopped || st.State == uplink.StateFailing || st.State == uplink.StateFailed) && st.LastError != "":
		return &failureDescription{Type: "UNKNOWN_ERROR", Details: string(st.State) + ": " + st.LastError}
	}
	return nil
}

type listInput struct {
	Limit                            *int32
	DeliveryStreamType               string
	ExclusiveStartDeliveryStreamName *string
}

type listOutput struct {
	DeliveryStreamNames    []string
	HasMoreDeliveryStreams bool
}

func (a *API) listDeliveryStreams(_ *http.Request, in *listInput) (*listOutput, error) {
	lim := int32(10) // Firehose's default
	if in.Limit != nil {
		if err := checkRange("limit", *in.Limit, 1, 10000); err != nil {
			return nil, err
		}
		lim = *in.Limit
	}
	switch in.DeliveryStreamType {
	case "", typeDirectPut, typeKinesisSource, typeMSKSource, typeDatabase:
	default:
		return nil, validationError("Value '%s' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [%s, %s, %s, %s]",
			awsjson.Truncate(in.DeliveryStreamType, 100), typeDirectPut, typeKinesisSource, typeMSKSource, typeDatabase)
	}
	after := ""
	if p := in.ExclusiveStartDeliveryStreamName; p != nil {
		if err := checkName("exclusiveStartDeliveryStreamName", *p); err != nil {
			return nil, err
		}
		after = *p
	}
	a.mu.RLock()
	names := slices.Sorted(maps.Keys(a.defs))
	types := make([]string, len(names))
	for i, n := range names {
		types[i] = a.defs[n].Type
	}
	a.mu.RUnlock()
	out := &listOutput{DeliveryStreamNames: []string{}}
	i := sort.SearchStrings(names, after)
	if i < len(names) && names[i] == after {
		i++
	}
	for ; i < len(names); i++ {
		if in.DeliveryStreamType != "" && types[i] != in.DeliveryStreamType {
			continue
		}
		if len(out.DeliveryStreamNames) == int(lim) {
			out.HasMoreDeliveryStreams = true
			break
		}
		out.DeliveryStreamNames = append(out.DeliveryStreamNames, names[i])
	}
	return out, nil
}

type deleteInput struct {
	DeliveryStreamName *string
	AllowForceDelete   bool // accepted: nothing here needs forcing
}

type emptyOutput struct{}

// deleteDeliveryStream removes the definition and stops its delivery. The
// backing stream and its records stay: they are the gateway's data, which
// other deliveries and queries may read, and the Kinesis API or the
// configuration deletes them.
func (a *API) deleteDeliveryStream(_ *http.Request, in *deleteInput) (*emptyOutput, error) {
	if in.DeliveryStreamName == nil {
		return nil, required("deliveryStreamName")
	}
	name := *in.DeliveryStreamName
	if err := checkName("deliveryStreamName", name); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.defs[name]
	if d == nil {
		return nil, a.notFound(name)
	}
	hasDelivery := (d.S3 != nil || d.HTTP != nil) && a.Deliveries != nil
	if hasDelivery {
		if err := a.Deliveries.DeleteDelivery(name); err != nil && !errors.Is(err, uplink.ErrNotFound) {
			return nil, err
		}
	}
	defs := maps.Clone(a.defs)
	delete(defs, name)
	if err := a.save(defs); err != nil {
		if hasDelivery {
			if rerr := a.restart(d); rerr != nil {
				a.logger().Error("firehose: restart delivery after a failed delete", "delivery_stream", name, "err", rerr)
			}
		}
		return nil, err
	}
	a.defs = defs
	a.logger().Info("firehose: delivery stream deleted", "delivery_stream", name, "stream_kept", d.Stream)
	return &emptyOutput{}, nil
}
