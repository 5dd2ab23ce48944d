package firehose

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/tidegate/tidegate/uplink"
)

var _ uplink.Sink = (*Sink)(nil)

// Sink writes batches into one Firehose delivery stream. It holds no state
// between calls, so deliveries may share it.
type Sink struct {
	client *firehose.Client
	stream string
}

// New validates cfg and builds the sink. It does not reach the service:
// a gateway starts while the network is away, and the first Send tells.
func New(ctx context.Context, cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	stream, err := cfg.streamName()
	if err != nil {
		return nil, err
	}
	client, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Sink{client: client, stream: stream}, nil
}

// Close releases nothing: the SDK client holds only pooled connections,
// which close themselves once idle, and no goroutine. It is safe to call
// more than once.
func (s *Sink) Close() error { return nil }

// put sends the records at idx in one PutRecordBatch call and returns those
// Firehose refused, by their index in recs. An error means the call failed
// as a whole and tells nothing of its records.
func (s *Sink) put(ctx context.Context, recs []uplink.Record, idx []int) ([]uplink.RecordError, error) {
	in := &firehose.PutRecordBatchInput{
		DeliveryStreamName: aws.String(s.stream),
		Records:            make([]types.Record, len(idx)),
	}
	for j, i := range idx {
		data := recs[i].Data
		if data == nil {
			data = []byte{} // the SDK requires Data even when empty
		}
		in.Records[j] = types.Record{Data: data}
	}
	out, err := s.client.PutRecordBatch(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("firehose: put record batch to %q: %w", s.stream, err)
	}
	if len(out.RequestResponses) != len(idx) {
		return nil, fmt.Errorf("firehose: put record batch to %q: %d responses for %d records", s.stream, len(out.RequestResponses), len(idx))
	}
	var refused []uplink.RecordError
	for j, r := range out.RequestResponses {
		if code := aws.ToString(r.ErrorCode); code != "" {
			refused = append(refused, uplink.RecordError{Index: idx[j], Code: code, Message: aws.ToString(r.ErrorMessage)})
		}
	}
	return refused, nil
}
