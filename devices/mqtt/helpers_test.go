package mqtt

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/tidegate/tidegate/devices/ingest"
	"github.com/tidegate/tidegate/shards"
)

func openStore(t testing.TB) *shards.Store {
	t.Helper()
	st, err := shards.Open(t.TempDir(), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func createStream(t testing.TB, st *shards.Store, name string, cfg shards.StreamConfig) *shards.Stream {
	t.Helper()
	s, err := st.CreateStream(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newWriter(t testing.TB, st *shards.Store) *ingest.Writer {
	t.Helper()
	s, err := ingest.New(st, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startService starts a Service and closes it at the end of the test.
func startService(t testing.TB, svc *Service) *Service {
	t.Helper()
	if err := svc.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

func publisher(t testing.TB, addr, id string, configure ...func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetAutoReconnect(true).SetMaxReconnectInterval(200 * time.Millisecond).SetConnectRetryInterval(100 * time.Millisecond)
	for _, f := range configure {
		f(o)
	}
	c := paho.NewClient(o)
	if tk := c.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("connect %s: %v", id, tk.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// readAll reads every record of a stream.
func readAll(t testing.TB, s *shards.Stream) []shards.Record {
	t.Helper()
	var out []shards.Record
	for _, sh := range s.Describe().Shards {
		c, err := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			r, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Records...)
			if len(r.Records) == 0 {
				break
			}
			c = r.Next
		}
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// blockingWriter holds the durability of every queued put until release is
// closed.
type blockingWriter struct {
	Writer
	entered chan struct{}
	release chan struct{}
}

func (b *blockingWriter) Enqueue(stream string, recs []shards.PutEntry) func(context.Context) error {
	b.entered <- struct{}{}
	wait := b.Writer.Enqueue(stream, recs)
	return func(ctx context.Context) error {
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return wait(ctx)
	}
}

type observer struct{ seen chan string }

func (o *observer) Seen(device, source string, values map[string]any, at time.Time) {
	select {
	case o.seen <- device + "@" + source:
	default:
	}
}
