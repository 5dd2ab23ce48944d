package kinesis

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

type traceBody struct {
	io.ReadCloser
	t   *testing.T
	ctx context.Context
}

func (b traceBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.t.Logf("read %d %v (ctx err %v)", n, err, b.ctx.Err())
	return n, err
}

type traceRT struct{ t *testing.T }

func (rt traceRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Header.Get("X-Amz-Target") == "Kinesis_20131202.SubscribeToShard" {
		resp.Body = traceBody{resp.Body, rt.t, r.Context()}
		go func() { <-r.Context().Done(); rt.t.Logf("request ctx done: %v", context.Cause(r.Context())) }()
	}
	return resp, err
}

func TestDebugDelete(t *testing.T) {
	for i := 0; i < 40; i++ {
		e := newEnv(t)
		e.client = newClient(e.srv.URL, &http.Client{Transport: traceRT{t}})
		ctx := ctxT(t)
		e.create(t, "sub", 1)
		c := e.register(t, "sub", "r")
		es := subscribe(t, e.client, aws.ToString(c.ConsumerARN), "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
		if _, err := e.client.DeleteStream(ctx, &sdk.DeleteStreamInput{StreamName: aws.String("sub"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		for ev := range es.Events() {
			t.Logf("event %T", ev)
		}
		t.Logf("err %v", es.Err())
		if es.Err().Error() != "ResourceNotFoundException: Stream sub under account 000000000000 not found." {
			break
		}
	}
}
