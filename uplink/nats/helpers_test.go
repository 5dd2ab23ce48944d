package nats

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
)

// testServer is an in-process nats-server with JetStream on a loopback
// port, its store in the test's temporary directory.
type testServer struct {
	*server.Server
	opts *server.Options
}

func startServer(t *testing.T, change func(*server.Options)) *testServer {
	t.Helper()
	opts := &server.Options{
		Host: "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true,
	}
	if change != nil {
		change(opts)
	}
	ts := &testServer{opts: opts}
	ts.start(t)
	return ts
}

func (ts *testServer) start(t *testing.T) {
	t.Helper()
	s, err := server.NewServer(ts.opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	ts.Server = s
	// A restart must come back on the same port, with the same store.
	ts.opts.Port = s.Addr().(*net.TCPAddr).Port
	t.Cleanup(s.Shutdown)
}

func (ts *testServer) stop() {
	ts.Shutdown()
	ts.WaitForShutdown()
}

// url is the client URL; it stays the same across restarts.
func (ts *testServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", ts.opts.Port) }

// admin connects a plain client, as an operator's tooling would.
func admin(t *testing.T, ts *testServer, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(ts.url(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// createStream creates the stream the operator would: the sink never does.
func createStream(t *testing.T, js jetstream.JetStream, name string, subjects ...string) jetstream.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: subjects, Duplicates: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// readAll reads a stream from its start with an ordered consumer until
// want messages arrived, then checks nothing more is there.
func readAll(t *testing.T, st jetstream.Stream, want int) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []jetstream.Msg
	for len(got) < want {
		batch, err := cons.Fetch(want-len(got), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := len(got)
		for m := range batch.Messages() {
			got = append(got, m)
		}
		if err := batch.Error(); err != nil {
			t.Fatal(err)
		}
		if len(got) == n {
			t.Fatalf("read %d of %d messages", len(got), want)
		}
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(want) {
		t.Fatalf("stream holds %d messages, want %d", info.State.Msgs, want)
	}
	return got
}

func newSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// batch makes n records spread over keys partition keys; record i has key
// "device-<i%keys>" and names i in its data, so order can be checked.
func batch(id string, first, n, keys int) *uplink.Batch {
	b := &uplink.Batch{ID: id, Delivery: "to-nats", Created: time.Now()}
	for i := first; i < first+n; i++ {
		data := fmt.Appendf(nil, `{"n":%d}`+"\n", i)
		b.Records = append(b.Records, uplink.Record{
			Stream:       "sensors",
			ShardID:      "shardId-000000000000",
			Sequence:     fmt.Sprintf("49%054d", i),
			PartitionKey: fmt.Sprintf("device-%d", i%keys),
			Arrival:      time.UnixMilli(1_700_000_000_000 + int64(i)),
			Data:         data,
		})
		b.Bytes += len(data)
	}
	return b
}
