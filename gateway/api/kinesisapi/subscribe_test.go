package kinesisapi

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

func subscribe(t *testing.T, client *sdk.Client, consumerARN, shard string, pos types.StartingPosition) *sdk.SubscribeToShardEventStream {
	t.Helper()
	out, err := client.SubscribeToShard(ctxT(t), &sdk.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shard), StartingPosition: &pos})
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	es := out.GetStream()
	t.Cleanup(func() { es.Close() })
	return es
}

// nextEvent waits for the next SubscribeToShardEvent; nil when the stream ended.
func nextEvent(t *testing.T, es *sdk.SubscribeToShardEventStream, wait time.Duration) *types.SubscribeToShardEvent {
	t.Helper()
	select {
	case ev, ok := <-es.Events():
		if !ok {
			return nil
		}
		m, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !ok {
			t.Fatalf("unexpected event %T", ev)
		}
		return &m.Value
	case <-time.After(wait):
		t.Fatalf("no event in %s", wait)
	}
	return nil
}

// testSubscribe has a producer write three batches spaced in time while a
// subscriber receives them as they arrive.
func testSubscribe(t *testing.T, e *env) {
	ctx := ctxT(t)
	e.create(t, "live", 1)
	c := e.register(t, "live", "tail")
	es := subscribe(t, e.client, aws.ToString(c.ConsumerARN), "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})

	const batches, per = 3, 50
	produced := make(chan struct{})
	defer func() { <-produced }()
	go func() {
		defer close(produced)
		for b := range batches {
			time.Sleep(150 * time.Millisecond)
			var entries []types.PutRecordsRequestEntry
			for i := range per {
				entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(keyN(i)), Data: []byte(fmt.Sprintf("%d-%03d", b, i))})
			}
			if _, err := e.client.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("live"), Records: entries}); err != nil {
				t.Errorf("PutRecords: %v", err)
			}
		}
	}()
	var got []string
	events := 0
	lastCont := ""
	for len(got) < batches*per {
		ev := nextEvent(t, es, 10*time.Second)
		if ev == nil {
			t.Fatalf("stream ended after %d records: %v", len(got), es.Err())
		}
		events++
		for _, r := range ev.Records {
			got = append(got, string(r.Data))
			if aws.ToString(r.SequenceNumber) > aws.ToString(ev.ContinuationSequenceNumber) {
				t.Errorf("record %s after continuation %s", aws.ToString(r.SequenceNumber), aws.ToString(ev.ContinuationSequenceNumber))
			}
		}
		cont := aws.ToString(ev.ContinuationSequenceNumber)
		if cont == "" || cont < lastCont {
			t.Errorf("ContinuationSequenceNumber %q after %q", cont, lastCont)
		}
		lastCont = cont
	}
	if events < batches {
		t.Errorf("%d records in %d events: not delivered as they arrived", len(got), events)
	}
	for b := range batches {
		for i := range per {
			if want := fmt.Sprintf("%d-%03d", b, i); got[b*per+i] != want {
				t.Fatalf("record %d is %s, want %s", b*per+i, got[b*per+i], want)
			}
		}
	}
}

func TestSubscribeToShard(t *testing.T) { testSubscribe(t, newEnv(t)) }

func TestSubscribeToShardH2C(t *testing.T) {
	e := newEnv(t)
	var h2 atomic.Int64
	srv := httptest.NewServer(h2c.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		e.api.ServeHTTP(w, r)
	}), &http2.Server{}))
	t.Cleanup(srv.Close)
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	e.client = newClient(srv.URL, &http.Client{Transport: tr})
	testSubscribe(t, e)
	if h2.Load() == 0 {
		t.Error("no request came over HTTP/2")
	}
}

func TestSubscribeHeartbeatAndSessionEnd(t *testing.T) {
	e := newEnv(t, func(a *API) { a.heartbeat, a.sessionTTL = 50*time.Millisecond, 600*time.Millisecond })
	e.create(t, "quiet", 1)
	seq := aws.ToString(e.put(t, "quiet", "k", "only").SequenceNumber)
	c := e.register(t, "quiet", "idle")
	es := subscribe(t, e.client, aws.ToString(c.ConsumerARN), "shardId-000000000000",
		types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(seq)})
	start := time.Now()
	heartbeats := 0
	for {
		ev := nextEvent(t, es, 5*time.Second)
		if ev == nil {
			break
		}
		if len(ev.Records) != 0 {
			t.Fatalf("records after the last one: %+v", ev.Records)
		}
		if cont := aws.ToString(ev.ContinuationSequenceNumber); cont != seq {
			t.Errorf("idle continuation %s, want %s", cont, seq)
		}
		heartbeats++
	}
	if d := time.Since(start); d < 500*time.Millisecond || d > 3*time.Second {
		t.Errorf("session lasted %s, want 600ms", d)
	}
	if heartbeats < 5 {
		t.Errorf("%d heartbeats in 600ms at 50ms", heartbeats)
	}
	if err := es.Err(); err != nil {
		t.Errorf("session end: %v", err)
	}
}

func TestSubscribeClosedShard(t *testing.T) {
	e := newEnv(t)
	e.create(t, "split", 1)
	for i := range 5 {
		e.put(t, "split", keyN(i), fmt.Sprint(i))
	}
	if _, err := e.client.SplitShard(ctxT(t), &sdk.SplitShardInput{StreamName: aws.String("split"),
		ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	c := e.register(t, "split", "r")
	es := subscribe(t, e.client, aws.ToString(c.ConsumerARN), "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	n := 0
	var last *types.SubscribeToShardEvent
	for {
		ev := nextEvent(t, es, 5*time.Second)
		if ev == nil {
			break
		}
		n += len(ev.Records)
		last = ev
	}
	if n != 5 || last == nil || len(last.ChildShards) != 2 || last.ContinuationSequenceNumber != nil {
		t.Fatalf("read %d records; last event %+v", n, last)
	}
}

func TestSubscribeErrors(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	e.create(t, "sub", 1)
	c := e.register(t, "sub", "r")
	for _, tc := range []struct {
		name string
		in   sdk.SubscribeToShardInput
		want string
	}{
		{"unregistered consumer", sdk.SubscribeToShardInput{ConsumerARN: aws.String(e.api.streamARN("sub") + "/consumer/nobody:1"), ShardId: aws.String("shardId-000000000000"),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}}, "ResourceNotFoundException"},
		{"unknown shard", sdk.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000042"),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}}, "ResourceNotFoundException"},
		{"bad position", sdk.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber}}, "InvalidArgumentException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.SubscribeToShard(ctx, &tc.in)
			wantAPIError(t, err, tc.want)
		})
	}
	// A stream deleted under a subscription ends it with an exception event.
	es := subscribe(t, e.client, aws.ToString(c.ConsumerARN), "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("sub"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	for ev := nextEvent(t, es, 10*time.Second); ev != nil; ev = nextEvent(t, es, 10*time.Second) {
	}
	if err := es.Err(); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("after delete: %v", err)
	}
}
