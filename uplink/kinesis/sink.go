package kinesis

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/tidegate/tidegate/uplink"
)

var _ uplink.Sink = (*Sink)(nil)

// Sink writes batches into one Kinesis data stream. It holds no state
// between calls, so deliveries may share it.
type Sink struct {
	client *kinesis.Client
	stream string
	isARN  bool
}

// New validates cfg and builds the sink. It does not reach the service:
// a gateway starts while the network is away, and the first Send tells.
func New(ctx context.Context, cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	stream, isARN, err := cfg.target()
	if err != nil {
		return nil, err
	}
	client, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Sink{client: client, stream: stream, isARN: isARN}, nil
}

// Close releases nothing: the SDK client holds only pooled connections,
// which close themselves once idle, and no goroutine. It is safe to call
// more than once.
func (s *Sink) Close() error { return nil }

// put sends the records at idx in one PutRecords call and returns those
// Kinesis refused, by their index in recs. An error means the call failed
// as a whole and tells nothing of its records.
func (s *Sink) put(ctx context.Context, recs []uplink.Record, idx []int) ([]uplink.RecordError, error) {
	in := &kinesis.PutRecordsInput{Records: make([]types.PutRecordsRequestEntry, len(idx))}
	if s.isARN {
		in.StreamARN = aws.String(s.stream)
	} else {
		in.StreamName = aws.String(s.stream)
	}
	for j, i := range idx {
		data := recs[i].Data
		if data == nil {
			data = []byte{} // the SDK requires Data even when empty
		}
		in.Records[j] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(recs[i].PartitionKey)}
	}
	out, err := s.client.PutRecords(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("kinesis: put records to %q: %w", s.stream, err)
	}
	if len(out.Records) != len(idx) {
		return nil, fmt.Errorf("kinesis: put records to %q: %d results for %d records", s.stream, len(out.Records), len(idx))
	}
	var refused []uplink.RecordError
	for j, r := range out.Records {
		if code := aws.ToString(r.ErrorCode); code != "" {
			refused = append(refused, uplink.RecordError{Index: idx[j], Code: code, Message: aws.ToString(r.ErrorMessage)})
		}
	}
	return refused, nil
}
