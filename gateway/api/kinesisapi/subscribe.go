package kinesisapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// SubscribeToShard timings and sizes, after Kinesis: a session lasts five
// minutes, an idle one still sends an event every few seconds, and an event
// carries at most about a MiB of record data (a larger record goes alone).
const (
	sessionTTL     = 5 * time.Minute
	heartbeat      = 5 * time.Second
	maxEventBytes  = 1 << 20
	eventWriteWait = time.Minute // a client that takes longer to accept an event is dropped
	sdkRaceDelay   = 10 * time.Millisecond
)

type subscribeInput struct {
	ConsumerARN      string
	ShardId          string
	StartingPosition *startingPositionInput
}

type startingPositionInput struct {
	Type           string
	SequenceNumber string
	Timestamp      *timestamp
}

type subscribeEvent struct {
	Records                    []record
	ContinuationSequenceNumber string `json:",omitempty"`
	MillisBehindLatest         int64
	ChildShards                []childShard `json:",omitempty"`
}

// subscribeToShard answers with an event stream: initial-response, then
// SubscribeToShardEvent events as records arrive (Stream.ReadWait blocks
// until they do), an empty one after each idle heartbeat, until the session
// ends, the client goes, or a closed shard is read to its end (the last
// event then names the child shards). Errors before the stream starts are
// ordinary responses; after, exception events.
func (a *API) subscribeToShard(w http.ResponseWriter, r *http.Request, c awsjson.Codec, in *subscribeInput) error {
	switch {
	case in.ConsumerARN == "":
		return required("consumerARN")
	case in.ShardId == "":
		return required("shardId")
	case in.StartingPosition == nil:
		return required("startingPosition")
	}
	p := in.StartingPosition
	typ, seq, ts, err := startingPosition("startingPosition.type", "startingPosition.sequenceNumber", p.Type, p.SequenceNumber, p.Timestamp, a.now())
	if err != nil {
		return err
	}
	s, consumer, err := a.consumer(consumerRef{ConsumerARN: in.ConsumerARN})
	if err != nil {
		return err
	}
	cur, err := a.cursor(s, in.ShardId, typ, seq, ts)
	if err != nil {
		return err
	}

	ttl, beat := a.sessionTTL, a.heartbeat
	if ttl == 0 {
		ttl = sessionTTL
	}
	if beat == 0 {
		beat = heartbeat
	}
	ctx, cancel := context.WithTimeout(r.Context(), ttl)
	defer cancel()
	es := &eventWriter{w: w, rc: http.NewResponseController(w), c: c, enc: eventstream.NewEncoder()}
	// The Go SDK (smithy-go v1.28.9) closes its request body as soon as
	// the response headers arrive; its WriteTo then returns io.EOF to
	// net/http's final probe read of the body, which net/http takes for a
	// write error and closes the connection — killing the event stream.
	// Answering a few milliseconds later lets that probe finish first.
	time.Sleep(sdkRaceDelay)
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	if err := es.event("initial-response", emptyOutput{}); err != nil {
		return nil // the client is gone
	}
	a.logger().Debug("kinesis: subscription started", "stream", s.Name(), "consumer", consumer.Name, "shard", in.ShardId)
	defer a.logger().Debug("kinesis: subscription ended", "stream", s.Name(), "consumer", consumer.Name, "shard", in.ShardId)

	for {
		rctx, rcancel := context.WithTimeout(ctx, beat)
		res, err := s.ReadWait(rctx, cur, shards.MaxRecordsPerRead)
		rcancel()
		switch {
		case err == nil:
		case ctx.Err() != nil: // session over or client gone
			return nil
		case errors.Is(err, context.DeadlineExceeded): // idle: heartbeat
			ev := subscribeEvent{Records: []record{}, ContinuationSequenceNumber: continuation(cur)}
			if es.event("SubscribeToShardEvent", ev) != nil {
				return nil
			}
			continue
		default:
			es.exception(a.service().ErrorFor(a.shardError(s, in.ShardId, err)))
			return nil
		}
		if err := a.sendRecords(es, s.Name(), res); err != nil {
			return nil
		}
		if res.Closed {
			return nil
		}
		cur = res.Next
	}
}

// continuation is the sequence number to resume after, with
// AFTER_SEQUENCE_NUMBER, to read from c on.
func continuation(c shards.Cursor) string { return c.PrecedingSequenceNumber() }

// sendRecords sends one read as events of at most maxEventBytes of data.
// The last event of a closed shard has its children and no continuation.
func (a *API) sendRecords(es *eventWriter, stream string, res shards.ReadResult) error {
	rs := res.Records
	for {
		n, size := 0, 0
		for n < len(rs) && (n == 0 || size+len(rs[n].Data) <= maxEventBytes) {
			size += len(rs[n].Data)
			n++
		}
		ev := subscribeEvent{MillisBehindLatest: res.MillisBehindLatest}
		ev.Records, _ = recordsOut(rs[:n])
		last := n == len(rs)
		switch {
		case last && res.Closed:
			ev.ChildShards = childShardsOut(res.ChildShards)
		case last:
			ev.ContinuationSequenceNumber = continuation(res.Next)
		default:
			ev.ContinuationSequenceNumber = rs[n-1].SequenceNumber()
		}
		if err := es.event("SubscribeToShardEvent", ev); err != nil {
			return err
		}
		a.metrics().RecordsOut(stream, n, size)
		rs = rs[n:]
		if last {
			return nil
		}
	}
}

// eventWriter writes event stream messages, each flushed at once.
type eventWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	c   awsjson.Codec
	enc *eventstream.Encoder
	buf []byte
}

func (e *eventWriter) payloadType() string {
	if e.c.ContentType() == contentJSON {
		return "application/json"
	}
	return e.c.ContentType()
}

func (e *eventWriter) event(typ string, v any) error {
	payload, err := e.c.Marshal(e.buf[:0], v)
	if err != nil {
		return err
	}
	e.buf = payload
	var msg eventstream.Message
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Headers.Set(":event-type", eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue(e.payloadType()))
	msg.Payload = payload
	return e.send(msg)
}

func (e *eventWriter) exception(ae *awsjson.Error) {
	typ := ae.Type
	if typ == errInternalFailure {
		typ = errInternalFailureEvent
	}
	payload, _ := e.c.Marshal(nil, errorBody{Type: typ, Message: ae.Message})
	var msg eventstream.Message
	msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
	msg.Headers.Set(":exception-type", eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue(e.payloadType()))
	msg.Payload = payload
	e.send(msg)
}

func (e *eventWriter) send(msg eventstream.Message) error {
	e.rc.SetWriteDeadline(time.Now().Add(eventWriteWait)) // not every ResponseWriter supports it
	if err := e.enc.Encode(e.w, msg); err != nil {
		return err
	}
	return e.rc.Flush()
}
