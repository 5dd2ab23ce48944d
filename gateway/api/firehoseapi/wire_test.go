package firehoseapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
)

// rawCall posts body with the given headers and returns the status and the
// response body.
func rawCall(t *testing.T, method, url, contentType, target string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// rawError makes a call that must fail and returns its status and error body.
func rawError(t *testing.T, method, url, contentType, target string, body []byte, header ...string) (int, errorBody) {
	t.Helper()
	status, h, b := rawCall(t, method, url, contentType, target, body, header...)
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || eb.Type == "" {
		t.Fatalf("%d response %q is not an error body: %v", status, b, err)
	}
	if got := h.Get("X-Amzn-ErrorType"); got != eb.Type {
		t.Errorf("x-amzn-ErrorType %q, body __type %q", got, eb.Type)
	}
	if ct := h.Get("Content-Type"); ct != contentJSON {
		t.Errorf("error content type %q", ct)
	}
	if h.Get("X-Amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	return status, eb
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	create := TargetPrefix + "CreateDeliveryStream"
	for _, tc := range []struct {
		name, method, contentType, target string
		body                              []byte
		status                            int
		typ                               string
	}{
		{"wrong content type", "POST", "text/plain", create, []byte(`{"DeliveryStreamName":"x"}`), 400, errUnknownOperation},
		{"CBOR", "POST", "application/x-amz-cbor-1.1", create, []byte{0xa0}, 400, errUnknownOperation},
		{"no content type", "POST", "", create, []byte(`{"DeliveryStreamName":"x"}`), 400, errUnknownOperation},
		{"unknown target", "POST", contentJSON, TargetPrefix + "Frobnicate", []byte(`{}`), 400, errUnknownOperation},
		{"unsupported operation", "POST", contentJSON, TargetPrefix + "UpdateDestination", []byte(`{}`), 400, errUnknownOperation},
		{"other service", "POST", contentJSON, "Kinesis_20131202.CreateStream", []byte(`{}`), 400, errUnknownOperation},
		{"no target", "POST", contentJSON, "", []byte(`{}`), 400, errUnknownOperation},
		{"malformed JSON", "POST", contentJSON, create, []byte(`{"DeliveryStreamName":"x",`), 400, errSerialization},
		{"wrong JSON type", "POST", contentJSON, create, []byte(`{"DeliveryStreamName":5}`), 400, errSerialization},
		{"trailing data", "POST", contentJSON, create, []byte(`{"DeliveryStreamName":"x"} {}`), 400, errSerialization},
		{"empty body", "POST", contentJSON, create, nil, 400, errSerialization},
		{"bad base64", "POST", contentJSON, TargetPrefix + "PutRecord", []byte(`{"DeliveryStreamName":"x","Record":{"Data":"@@@"}}`), 400, errSerialization},
		{"oversized body", "POST", contentJSON, create, bytes.Repeat([]byte(" "), MaxRequestBytes+1), 400, errValidation},
		{"GET", "GET", "", "", nil, 403, errAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, eb := rawError(t, tc.method, e.srv.URL, tc.contentType, tc.target, tc.body)
			if status != tc.status || eb.Type != tc.typ {
				t.Errorf("got %d %s (%s), want %d %s", status, eb.Type, eb.Message, tc.status, tc.typ)
			}
		})
	}
	if n := e.store.Streams(); len(n) != 0 {
		t.Errorf("malformed requests made streams %v", n)
	}
}

// TestCreateValidation sends what the SDK would refuse to send, and what
// it sends but Firehose refuses.
func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	const s3 = `"ExtendedS3DestinationConfiguration":{"RoleARN":"r","BucketARN":"arn:aws:s3:::b"`
	const http = `"HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"https://x.example"}`
	for _, tc := range []struct {
		name, body, typ, message string
	}{
		{"no name", `{}`, errValidation, "Value null at 'deliveryStreamName'"},
		{"empty name", `{"DeliveryStreamName":""}`, errValidation, "length greater than or equal to 1"},
		{"long name", `{"DeliveryStreamName":"` + strings.Repeat("n", 65) + `"}`, errValidation, "length less than or equal to 64"},
		{"bad name", `{"DeliveryStreamName":"a/b"}`, errValidation, "regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"dot", `{"DeliveryStreamName":".."}`, errInvalidArgument, "reserved"},
		{"bad type", `{"DeliveryStreamName":"x","DeliveryStreamType":"Push"}`, errValidation, "enum value set"},
		{"MSK", `{"DeliveryStreamName":"x","DeliveryStreamType":"MSKAsSource"}`, errInvalidArgument, "MSKAsSource"},
		{"Redshift", `{"DeliveryStreamName":"x","RedshiftDestinationConfiguration":{"ClusterJDBCURL":"j"}}`, errInvalidArgument, "RedshiftDestinationConfiguration"},
		{"Splunk", `{"DeliveryStreamName":"x","SplunkDestinationConfiguration":{}}`, errInvalidArgument, "SplunkDestinationConfiguration"},
		{"two destinations", `{"DeliveryStreamName":"x",` + s3 + `},` + http + `}}`, errInvalidArgument, "Only one destination"},
		{"S3 and extended S3", `{"DeliveryStreamName":"x",` + s3 + `},"S3DestinationConfiguration":{"RoleARN":"r","BucketARN":"arn:aws:s3:::b"}}`, errInvalidArgument, "Only one destination"},
		{"no bucket", `{"DeliveryStreamName":"x","ExtendedS3DestinationConfiguration":{"RoleARN":"r"}}`, errValidation, "extendedS3DestinationConfiguration.bucketARN"},
		{"bad bucket ARN", `{"DeliveryStreamName":"x","S3DestinationConfiguration":{"RoleARN":"r","BucketARN":"my-bucket"}}`, errValidation, "s3DestinationConfiguration.bucketARN"},
		{"ZIP", `{"DeliveryStreamName":"x",` + s3 + `,"CompressionFormat":"ZIP"}}`, errInvalidArgument, "ZIP"},
		{"HADOOP_SNAPPY", `{"DeliveryStreamName":"x",` + s3 + `,"CompressionFormat":"HADOOP_SNAPPY"}}`, errInvalidArgument, "HADOOP_SNAPPY"},
		{"LZ4", `{"DeliveryStreamName":"x",` + s3 + `,"CompressionFormat":"LZ4"}}`, errValidation, "compressionFormat"},
		{"big buffer", `{"DeliveryStreamName":"x",` + s3 + `,"BufferingHints":{"SizeInMBs":129}}}`, errValidation, "bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128"},
		{"zero buffer", `{"DeliveryStreamName":"x",` + s3 + `,"BufferingHints":{"SizeInMBs":0}}}`, errValidation, "greater than or equal to 1"},
		{"long interval", `{"DeliveryStreamName":"x",` + s3 + `,"BufferingHints":{"IntervalInSeconds":901}}}`, errValidation, "intervalInSeconds"},
		{"long prefix", `{"DeliveryStreamName":"x",` + s3 + `,"Prefix":"` + strings.Repeat("p", 1025) + `"}}`, errValidation, "prefix"},
		{"Lambda", `{"DeliveryStreamName":"x",` + s3 + `,"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda"}]}}}`, errInvalidArgument, "ProcessingConfiguration"},
		{"format conversion", `{"DeliveryStreamName":"x",` + s3 + `,"DataFormatConversionConfiguration":{}}}`, errInvalidArgument, "DataFormatConversionConfiguration"},
		{"dynamic partitioning", `{"DeliveryStreamName":"x",` + s3 + `,"DynamicPartitioningConfiguration":{"Enabled":true}}}`, errInvalidArgument, "DynamicPartitioning"},
		{"S3 backup", `{"DeliveryStreamName":"x",` + s3 + `,"S3BackupMode":"Enabled"}}`, errInvalidArgument, "S3BackupMode"},
		{"HTTP without endpoint", `{"DeliveryStreamName":"x","HttpEndpointDestinationConfiguration":{}}`, errValidation, "endpointConfiguration"},
		{"HTTP without URL", `{"DeliveryStreamName":"x","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{}}}`, errValidation, "endpointConfiguration.url"},
		{"FTP", `{"DeliveryStreamName":"x","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"ftp://x"}}}`, errInvalidArgument, "not an http:// or https:// URL"},
		{"no host", `{"DeliveryStreamName":"x","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"https://"}}}`, errInvalidArgument, "URL"},
		{"HTTP buffer", `{"DeliveryStreamName":"x",` + http + `,"BufferingHints":{"SizeInMBs":65}}}`, errValidation, "less than or equal to 64"},
		{"encoding", `{"DeliveryStreamName":"x",` + http + `,"RequestConfiguration":{"ContentEncoding":"BR"}}}`, errValidation, "contentEncoding"},
		{"retry", `{"DeliveryStreamName":"x",` + http + `,"RetryOptions":{"DurationInSeconds":7201}}}`, errValidation, "retryOptions.durationInSeconds"},
		{"all data backup", `{"DeliveryStreamName":"x",` + http + `,"S3BackupMode":"AllData"}}`, errInvalidArgument, "AllData"},
		{"secrets manager", `{"DeliveryStreamName":"x",` + http + `,"SecretsManagerConfiguration":{"Enabled":true}}}`, errInvalidArgument, "SecretsManager"},
		{"twice the attribute", `{"DeliveryStreamName":"x",` + http + `,"RequestConfiguration":{"CommonAttributes":[{"AttributeName":"a","AttributeValue":"1"},{"AttributeName":"a","AttributeValue":"2"}]}}}`, errInvalidArgument, "twice"},
		{"attribute without name", `{"DeliveryStreamName":"x",` + http + `,"RequestConfiguration":{"CommonAttributes":[{"AttributeValue":"1"}]}}}`, errValidation, "commonAttributes.1.member.attributeName"},
		{"bad backup bucket", `{"DeliveryStreamName":"x",` + http + `,"S3Configuration":{"BucketARN":"b"}}}`, errValidation, "s3Configuration.bucketARN"},
		{"source without configuration", `{"DeliveryStreamName":"x","DeliveryStreamType":"KinesisStreamAsSource"}`, errInvalidArgument, "KinesisStreamSourceConfiguration is required"},
		{"direct put with a source", `{"DeliveryStreamName":"x","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}}`, errInvalidArgument, "only valid"},
		{"bad source ARN", `{"DeliveryStreamName":"x","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"stream/s"}}`, errInvalidArgument, "not a Kinesis stream ARN"},
		{"too many tags", `{"DeliveryStreamName":"x","Tags":[` + strings.Repeat(`{"Key":"k"},`, 50) + `{"Key":"k"}]}`, errValidation, "tags"},
		{"tag without key", `{"DeliveryStreamName":"x","Tags":[{"Value":"v"}]}`, errValidation, "tags.1.member.key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, eb := rawError(t, "POST", e.srv.URL, contentJSON, TargetPrefix+"CreateDeliveryStream", []byte(tc.body))
			if status != 400 || eb.Type != tc.typ || !strings.Contains(eb.Message, tc.message) {
				t.Errorf("got %d %s: %s\nwant %s containing %q", status, eb.Type, eb.Message, tc.typ, tc.message)
			}
		})
	}
	if n := e.store.Streams(); len(n) != 0 {
		t.Errorf("refused creates made streams %v", n)
	}
	if n := len(e.dels.specs); n != 0 {
		t.Errorf("refused creates started %d deliveries", n)
	}
}

// Things Firehose accepts and the gateway ignores.
func TestCreateIgnored(t *testing.T) {
	e := newEnv(t)
	body := `{"DeliveryStreamName":"x","Tags":[{"Key":"team","Value":"edge"}],
		"DeliveryStreamEncryptionConfigurationInput":{"KeyType":"AWS_OWNED_CMK"},
		"DirectPutSourceConfiguration":{"ThroughputHintInMBs":5},
		"RedshiftDestinationConfiguration":null,
		"ExtendedS3DestinationConfiguration":{"RoleARN":"r","BucketARN":"arn:aws-cn:s3:::b",
			"EncryptionConfiguration":{"KMSEncryptionConfig":{"AWSKMSKeyARN":"k"}},
			"CloudWatchLoggingOptions":{"Enabled":true,"LogGroupName":"g","LogStreamName":"s"},
			"ProcessingConfiguration":{"Enabled":false,"Processors":[{"Type":"Lambda"}]},
			"DataFormatConversionConfiguration":{"Enabled":false},
			"DynamicPartitioningConfiguration":{"Enabled":false},
			"FileExtension":".json","CustomTimeZone":"UTC","S3BackupMode":"Disabled","Unknown":1}}`
	status, _, b := rawCall(t, "POST", e.srv.URL, contentJSON, TargetPrefix+"CreateDeliveryStream", []byte(body))
	if status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	var out createOutput
	if err := json.Unmarshal(b, &out); err != nil || out.DeliveryStreamARN == "" {
		t.Errorf("output %s: %v", b, err)
	}
}

func TestAuthHook(t *testing.T) {
	var refuse error
	var seen []byte
	e := newEnv(t, func(a *API) {
		a.Auth = func(r *http.Request, body []byte) error {
			seen = append(seen[:0], body...)
			return refuse
		}
	})
	body := []byte(`{"DeliveryStreamName":"x"}`)
	for _, tc := range []struct {
		name string
		err  error
		typ  string
		msg  string
	}{
		{"sigv4 refusal", &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."},
			"UnrecognizedClientException", "The security token included in the request is invalid."},
		{"typed error", typedError{}, "InvalidSignatureException", "bad signature"},
		{"plain error", errors.New("go away"), errAccessDenied, "go away"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refuse = tc.err
			status, eb := rawError(t, "POST", e.srv.URL, contentJSON, TargetPrefix+"CreateDeliveryStream", body)
			if status != 400 || eb.Type != tc.typ || eb.Message != tc.msg {
				t.Errorf("got %d %s: %q, want %s: %q", status, eb.Type, eb.Message, tc.typ, tc.msg)
			}
			if !bytes.Equal(seen, body) {
				t.Errorf("the hook saw %q", seen)
			}
		})
	}
	if n := e.store.Streams(); len(n) != 0 {
		t.Errorf("refused requests made streams %v", n)
	}
	refuse = nil
	if status, _, b := rawCall(t, "POST", e.srv.URL, contentJSON, TargetPrefix+"CreateDeliveryStream", body); status != 200 {
		t.Errorf("accepted request: %d %s", status, b)
	}
}

// typedError is an error of another package that knows its AWS type but
// has no message of its own.
type typedError struct{}

func (typedError) Error() string        { return "InvalidSignatureException: bad signature" }
func (typedError) AWSErrorType() string { return "InvalidSignatureException" }
