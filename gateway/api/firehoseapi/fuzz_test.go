package firehoseapi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Request decoders and checks take arbitrary bytes: they may refuse them,
// never panic, and what they accept builds a valid delivery.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"DeliveryStreamName":"s","Records":[{"Data":"aGVsbG8="},{"Data":""}]}`,
		`{"DeliveryStreamName":"s","Record":{"Data":"aGVsbG8="}}`,
		`{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{"RoleARN":"r","BucketARN":"arn:aws:s3:::b","Prefix":"p/","ErrorOutputPrefix":"e/","BufferingHints":{"SizeInMBs":8,"IntervalInSeconds":60},"CompressionFormat":"GZIP"}}`,
		`{"DeliveryStreamName":"s","S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::b","CompressionFormat":"Snappy"}}`,
		`{"DeliveryStreamName":"s","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"https://x","Name":"n","AccessKey":"k"},"BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"RequestConfiguration":{"ContentEncoding":"GZIP","CommonAttributes":[{"AttributeName":"a","AttributeValue":"b"}]},"RetryOptions":{"DurationInSeconds":0},"S3Configuration":{"BucketARN":"arn:aws:s3:::b"}}}`,
		`{"DeliveryStreamName":"s","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/src"}}`,
		`{"DeliveryStreamName":"s","Tags":[{"Key":"k","Value":"v"}],"RedshiftDestinationConfiguration":null}`,
		`{"Limit":5,"DeliveryStreamType":"DirectPut","ExclusiveStartDeliveryStreamName":"a"}`,
		`{"Records":null}`, `{"Records":[null]}`, `[]`, `null`, `{"Record":{"Data":"@@"}}`, "",
	} {
		f.Add([]byte(s))
	}
	api := &API{}
	decode := jsonCodec{}.Unmarshal
	f.Fuzz(func(t *testing.T, b []byte) {
		var batch putRecordBatchInput
		if decode(b, &batch) == nil {
			for _, r := range batch.Records {
				checkRecord("records.1.member", r)
			}
		}
		var put putRecordInput
		if decode(b, &put) == nil {
			checkRecord("record", put.Record)
		}
		decode(b, new(listInput))
		decode(b, new(describeInput))
		decode(b, new(deleteInput))
		var in createInput
		if decode(b, &in) != nil {
			return
		}
		d, err := api.parseCreate(&in)
		if err != nil {
			return
		}
		d.Start = "trim_horizon"
		if d.Type == typeKinesisSource {
			d.Start = "at_timestamp"
		}
		if err := d.check(); err != nil {
			t.Fatalf("accepted %q into a definition that does not check: %v", b, err)
		}
		if _, _, err := api.spec(d); err != nil {
			t.Fatalf("accepted %q into a definition without a valid spec: %v", b, err)
		}
	})
}

// FuzzDefinitions: the definitions file parser refuses or accepts any
// bytes without panicking, and what it accepts is written back the same.
func FuzzDefinitions(f *testing.F) {
	f.Add([]byte(`{"version":1,"delivery_streams":[{"name":"a","type":"DirectPut","stream":"a","start":"trim_horizon","created":"2024-01-01T00:00:00.123Z","version_id":"1","s3":{"bucket_arn":"arn:aws:s3:::b","compression_format":"GZIP","buffering":{"size_mb":5,"interval_seconds":300}}}]}`))
	f.Add([]byte(`{"version":1,"delivery_streams":[{"name":"k","type":"KinesisStreamAsSource","stream":"src","source":{"stream_arn":"arn:aws:kinesis:us-east-1:000000000000:stream/src"},"start":"at_timestamp","created":"2024-01-01T00:00:00Z","version_id":"1","http":{"url":"https://x","content_encoding":"NONE","common_attributes":[{"name":"a","value":"b"}],"buffering":{"size_mb":1,"interval_seconds":0},"retry_seconds":0}}]}`))
	f.Add([]byte(`{"version":1,"delivery_streams":[null]}`))
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		defs, err := parseDefinitions(b)
		if err != nil {
			return
		}
		doc := definitionsDoc{Version: definitionsVersion}
		for _, d := range defs {
			doc.DeliveryStreams = append(doc.DeliveryStreams, d)
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseDefinitions(out)
		if err != nil {
			t.Fatalf("%q read back: %v", out, err)
		}
		if !reflect.DeepEqual(defs, back) {
			t.Fatalf("%q read back as %+v, was %+v", out, back, defs)
		}
	})
}
