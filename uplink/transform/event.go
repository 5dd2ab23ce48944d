package transform

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/tidegate/tidegate/uplink"
)

// event is what Firehose hands a transforming Lambda function.
type event struct {
	InvocationID      string        `json:"invocationId"`
	DeliveryStreamArn string        `json:"deliveryStreamArn"`
	Region            string        `json:"region"`
	Records           []eventRecord `json:"records"`
}

type eventRecord struct {
	RecordID                    string `json:"recordId"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	// Data is never nil: encoding/json writes a nil slice as null, and
	// the contract wants a (possibly empty) base64 string.
	Data                  []byte          `json:"data"`
	KinesisRecordMetadata kinesisMetadata `json:"kinesisRecordMetadata"`
}

// kinesisMetadata is what Firehose passes along from a Kinesis source; the
// gateway's streams are Kinesis streams.
type kinesisMetadata struct {
	ShardID                     string `json:"shardId"`
	PartitionKey                string `json:"partitionKey"`
	ApproximateArrivalTimestamp int64  `json:"approximateArrivalTimestamp"`
	SequenceNumber              string `json:"sequenceNumber"`
	SubsequenceNumber           int    `json:"subsequenceNumber"`
}

// encodeEvent renders the event for recs as one line of JSON, newline
// included (a command reads one event per line; JSON escapes any newline
// inside a string).
func encodeEvent(invocationID, arn, region string, recs []uplink.TransformRecord) ([]byte, error) {
	ev := event{InvocationID: invocationID, DeliveryStreamArn: arn, Region: region, Records: make([]eventRecord, len(recs))}
	for i, r := range recs {
		ms := r.Arrival.UnixMilli()
		data := r.Data
		if data == nil {
			data = []byte{}
		}
		ev.Records[i] = eventRecord{RecordID: r.RecordID, ApproximateArrivalTimestamp: ms, Data: data,
			KinesisRecordMetadata: kinesisMetadata{ShardID: r.ShardID, PartitionKey: r.PartitionKey,
				ApproximateArrivalTimestamp: ms, SequenceNumber: r.Sequence}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&ev); err != nil {
		return nil, fmt.Errorf("transform: encode event: %w", err)
	}
	return buf.Bytes(), nil
}

// eventOverhead is an event's size without records, about; recordOverhead
// a record's without its strings and data.
const (
	eventOverhead  = 256
	recordOverhead = 192
)

// chunks splits recs into invocations of at most maxRecords records and
// about maxPayload bytes (a record bigger than that alone goes alone).
func chunks(recs []uplink.TransformRecord, maxRecords, maxPayload int) [][]uplink.TransformRecord {
	var out [][]uplink.TransformRecord
	start, size := 0, eventOverhead
	for i := range recs {
		r := &recs[i]
		rs := recordOverhead + base64.StdEncoding.EncodedLen(len(r.Data)) +
			len(r.RecordID) + len(r.ShardID) + len(r.PartitionKey) + len(r.Sequence)
		if i > start && (size+rs > maxPayload || i-start == maxRecords) {
			out = append(out, recs[start:i])
			start, size = i, eventOverhead
		}
		size += rs
	}
	if start < len(recs) {
		out = append(out, recs[start:])
	}
	return out
}

// newInvocationID is a random (version 4) UUID, as Firehose gives each
// invocation.
func newInvocationID() string {
	return uuid.NewString()
}
