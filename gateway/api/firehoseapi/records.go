package firehoseapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// Firehose's limits on puts.
const (
	// MaxRecordBytes is the most data one record may hold (1,000 KiB).
	MaxRecordBytes = 1000 << 10
	// MaxBatchRecords and MaxBatchBytes bound a PutRecordBatch.
	MaxBatchRecords = 500
	MaxBatchBytes   = 4 << 20
)

type record struct {
	Data []byte
}

type putRecordInput struct {
	DeliveryStreamName *string
	Record             *record
}

type putRecordOutput struct {
	RecordId  string
	Encrypted bool
}

type putRecordBatchInput struct {
	DeliveryStreamName *string
	Records            []*record
}

type putRecordBatchOutput struct {
	FailedPutCount   int
	Encrypted        bool
	RequestResponses []batchResult
}

type batchResult struct {
	RecordId     string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

// checkRecord validates one record as Firehose's model does; member is its
// path ("record", "records.3.member").
func checkRecord(member string, r *record) error {
	switch {
	case r == nil:
		return required(member)
	case r.Data == nil:
		return required(member + ".data")
	case len(r.Data) > MaxRecordBytes:
		return validationError("Value 'java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]' at '%s.data' failed to satisfy constraint: Member must have length less than or equal to %d",
			len(r.Data), len(r.Data), member, MaxRecordBytes)
	}
	return nil
}

// target returns the stream a put on a delivery stream writes to.
func (a *API) target(name *string) (*definition, *shards.Stream, error) {
	d, err := a.lookup("deliveryStreamName", name)
	if err != nil {
		return nil, nil, err
	}
	if d.Type != typeDirectPut {
		return nil, nil, invalidArgument("This operation is not permitted on %s Firehose stream type.", d.Type)
	}
	s, err := a.Store.Stream(d.Stream)
	if errors.Is(err, shards.ErrNotFound) {
		return nil, nil, awsjson.NewError(errResourceNotFound, "The backing stream %s of Firehose stream %s under account %s was deleted.", d.Stream, d.Name, a.account())
	}
	if err != nil {
		return nil, nil, err
	}
	return d, s, nil
}

func (a *API) putRecord(r *http.Request, in *putRecordInput) (*putRecordOutput, error) {
	if err := checkRecord("record", in.Record); err != nil {
		return nil, err
	}
	d, s, err := a.target(in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	res, err := s.PutRecord(r.Context(), shards.PutEntry{PartitionKey: partitionKey(r, d.Name), Data: in.Record.Data})
	if err != nil {
		return nil, a.putError(d, err)
	}
	a.metrics().RecordsIn(d.Name, 1, len(in.Record.Data))
	return &putRecordOutput{RecordId: res.SequenceNumber}, nil
}

// putError is what a put the engine refused gets: a full stream or a full
// disk is Firehose's "back off and retry", HTTP 503.
func (a *API) putError(d *definition, err error) error {
	if msg, ok := a.refusal(d, err); ok {
		return serviceUnavailable("%s", msg)
	}
	return err
}

// refusal is the message of a put refused for now (a full backing stream,
// a full disk); ok is false for any other error.
func (a *API) refusal(d *definition, err error) (msg string, ok bool) {
	switch {
	case errors.Is(err, shards.ErrStreamFull):
		return a.slowDown(d), true
	case errors.Is(err, shards.ErrDiskFull):
		return diskFullMessage(err), true
	}
	return "", false
}

func (a *API) slowDown(d *definition) string {
	return "Slow down. The backing stream " + d.Stream + " of Firehose stream " + d.Name +
		" is full (its byte limit is reached and its on_full policy is reject_new); retry with backoff."
}

func (a *API) putRecordBatch(r *http.Request, in *putRecordBatchInput) (*putRecordBatchOutput, error) {
	switch {
	case in.Records == nil:
		return nil, required("records")
	case len(in.Records) == 0:
		return nil, validationError("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Records) > MaxBatchRecords:
		return nil, validationError("Value '[...]' at 'records' failed to satisfy constraint: Member must have length less than or equal to %d", MaxBatchRecords)
	}
	total := 0
	for i, rec := range in.Records {
		if err := checkRecord("records."+strconv.Itoa(i+1)+".member", rec); err != nil {
			return nil, err
		}
		total += len(rec.Data)
	}
	if total > MaxBatchBytes {
		return nil, invalidArgument("Records size exceeds 4 MB limit")
	}
	d, s, err := a.target(in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	key := partitionKey(r, d.Name)
	entries := make([]shards.PutEntry, len(in.Records))
	for i, rec := range in.Records {
		entries[i] = shards.PutEntry{PartitionKey: key, Data: rec.Data}
	}
	out := &putRecordBatchOutput{RequestResponses: make([]batchResult, len(entries))}
	res, err := s.PutRecords(r.Context(), entries)
	msg, refused := a.refusal(d, err)
	switch {
	case refused:
		// Per record, as Firehose reports throttling, so clients retry
		// the failed records.
		for i := range out.RequestResponses {
			out.RequestResponses[i] = batchResult{ErrorCode: errServiceUnavailable, ErrorMessage: msg}
		}
		out.FailedPutCount = len(entries)
		a.metrics().RecordsRejected(d.Name, errServiceUnavailable, len(entries))
	case err != nil:
		return nil, err
	default:
		for i, p := range res {
			out.RequestResponses[i] = batchResult{RecordId: p.SequenceNumber}
		}
		a.metrics().RecordsIn(d.Name, len(res), total)
	}
	return out, nil
}

// partitionKey routes a sender's records in the backing stream. Firehose
// has no partition key, but a delivery reads each shard in order: keying by
// the sender's access key id (from its SigV4 credential) keeps one sender's
// records in order in one shard and spreads senders over the shards.
// Unsigned requests share one key, the delivery stream's name.
func partitionKey(r *http.Request, deliveryStream string) string {
	if id := accessKeyID(r); id != "" {
		return id
	}
	return deliveryStream
}

// accessKeyID returns the access key id of a SigV4 Authorization header or
// presigned query, "" when there is none or it is not an access key id.
func accessKeyID(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if _, after, ok := strings.Cut(h, "Credential="); ok {
			cred = after
		}
	} else if r.URL.RawQuery != "" {
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
			cred = q.Get("X-Amz-Credential")
		}
	}
	id, _, ok := strings.Cut(cred, "/")
	if !ok || len(id) == 0 || len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return id
}
