package nats

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidegate/tidegate/uplink"
)

func TestSendDeliversEveryRecordOnceInOrder(t *testing.T) {
	const batches, perBatch, keys = 3, 200, 20
	ts := startServer(t, nil)
	st := createStream(t, admin(t, ts), "READINGS", "tidegate.>")
	// A window smaller than a batch makes Send wait for acks midway.
	s := newSink(t, Config{URL: ts.url(), Subject: "tidegate.{stream}.{partition_key}", MaxPending: 16})
	var sent []uplink.Record
	for i := range batches {
		b := batch(strconv.Itoa(i), i*perBatch, perBatch, keys)
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatalf("send batch %d: %v", i, err)
		}
		sent = append(sent, b.Records...)
	}

	got := readAll(t, st, len(sent))
	byID := map[string]uplink.Record{}
	for _, r := range sent {
		byID[msgID("to-nats", &r)] = r
	}
	seen := map[string]bool{}
	last := map[string]int{} // subject → last n
	for _, m := range got {
		h := m.Headers()
		id := h.Get(jetstream.MsgIDHeader)
		want, ok := byID[id]
		switch {
		case !ok:
			t.Fatalf("message with unknown id %q", id)
		case seen[id]:
			t.Fatalf("message %s stored twice", id)
		case m.Subject() != "tidegate.sensors."+want.PartitionKey:
			t.Errorf("message %s: subject %q", id, m.Subject())
		case h.Get(HeaderPartitionKey) != want.PartitionKey || h.Get(HeaderStream) != want.Stream:
			t.Errorf("message %s: headers %v", id, h)
		case string(m.Data()) != string(want.Data):
			t.Errorf("message %s: data %q, want %q", id, m.Data(), want.Data)
		}
		seen[id] = true
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(m.Data()), `{"n":`), "}\n"))
		if prev, ok := last[m.Subject()]; ok && n <= prev {
			t.Errorf("subject %s: record %d after %d", m.Subject(), n, prev)
		}
		last[m.Subject()] = n
	}
	if len(last) != keys {
		t.Errorf("%d subjects, want %d", len(last), keys)
	}
}

// The same records sent again, as after a retry or a restart of the
// gateway, carry the same Nats-Msg-Id: JetStream acknowledges them as
// duplicates and keeps one copy, also across a restart of the server.
func TestSendAgainIsDeduplicated(t *testing.T) {
	ts := startServer(t, nil)
	st := createStream(t, admin(t, ts), "READINGS", "readings")
	s := newSink(t, Config{URL: ts.url(), Subject: "readings"})
	b := batch("1", 0, 50, 5)
	for attempt := range 2 {
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatalf("send attempt %d: %v", attempt, err)
		}
	}
	readAll(t, st, len(b.Records))

	ts.stop()
	ts.start(t)
	if err := sendWhenUp(t, s, b); err != nil {
		t.Fatalf("send after the server restarted: %v", err)
	}
	st = createStreamHandle(t, admin(t, ts), "READINGS")
	readAll(t, st, len(b.Records))
}

func TestSendNoStreamIsPermanent(t *testing.T) {
	ts := startServer(t, nil)
	createStream(t, admin(t, ts), "SOME", "in.device-0", "in.device-1")

	t.Run("whole batch", func(t *testing.T) {
		s := newSink(t, Config{URL: ts.url(), Subject: "nowhere.readings"})
		err := s.Send(context.Background(), batch("1", 0, 3, 3))
		code, ok := uplink.IsPermanent(err)
		if !ok || code != CodeNoStream || !strings.Contains(err.Error(), `no JetStream stream captures subject "nowhere.readings"`) {
			t.Fatalf("send: %v (code %q), want permanent %s naming the subject", err, code, CodeNoStream)
		}
	})
	t.Run("some records", func(t *testing.T) {
		s := newSink(t, Config{URL: ts.url(), Subject: "in.{partition_key}"})
		err := s.Send(context.Background(), batch("1", 0, 8, 4)) // device-2 and -3 have no stream
		var pe *uplink.PartialError
		if !errors.As(err, &pe) || !pe.Permanent {
			t.Fatalf("send: %v, want a permanent *uplink.PartialError", err)
		}
		var idx []int
		for _, f := range pe.Failed {
			if f.Code != CodeNoStream {
				t.Errorf("record %d: code %q", f.Index, f.Code)
			}
			idx = append(idx, f.Index)
		}
		if want := []int{2, 3, 6, 7}; !slices.Equal(idx, want) {
			t.Fatalf("failed records %v, want %v", idx, want)
		}
	})
}

func TestSendRecordOverMaxPayloadIsPermanent(t *testing.T) {
	ts := startServer(t, func(o *server.Options) { o.MaxPayload = 1024 })
	st := createStream(t, admin(t, ts), "READINGS", "readings")
	s := newSink(t, Config{URL: ts.url(), Subject: "readings"})
	b := batch("1", 0, 5, 5)
	b.Records[2].Data = []byte(strings.Repeat("x", 2000))
	err := s.Send(context.Background(), b)
	var pe *uplink.PartialError
	if !errors.As(err, &pe) || !pe.Permanent || len(pe.Failed) != 1 || pe.Failed[0].Index != 2 || pe.Failed[0].Code != CodeMaxPayload {
		t.Fatalf("send: %#v, want record 2 failed permanently with %s", err, CodeMaxPayload)
	}
	readAll(t, st, 4)
}

func TestSendServerDownIsUnreachable(t *testing.T) {
	ts := startServer(t, nil)
	createStream(t, admin(t, ts), "READINGS", "readings")
	s := newSink(t, Config{URL: ts.url(), Subject: "readings", Timeout: time.Second})
	if err := s.Send(context.Background(), batch("1", 0, 10, 2)); err != nil {
		t.Fatalf("send while up: %v", err)
	}
	ts.stop()
	start := time.Now()
	err := s.Send(context.Background(), batch("2", 10, 10, 2))
	if !uplink.IsUnreachable(err) {
		t.Fatalf("send while down: %v, want unreachable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("send while down took %s", d)
	}

	ts.start(t)
	if err := sendWhenUp(t, s, batch("2", 10, 10, 2)); err != nil {
		t.Fatalf("send after the server came back: %v", err)
	}
}

func TestSendNoServerAtStart(t *testing.T) {
	ts := startServer(t, nil)
	url := ts.url()
	ts.stop()
	// The gateway builds its deliveries offline; the records wait.
	s := newSink(t, Config{URL: url, Subject: "readings"})
	if err := s.Send(context.Background(), batch("1", 0, 3, 3)); !uplink.IsUnreachable(err) {
		t.Fatalf("send: %v, want unreachable", err)
	}
}

// A subscriber that takes the message but never acknowledges it, as a core
// NATS service on a subject no stream captures would: Send ends by the
// context's deadline or by the acknowledgement timeout.
func TestSendWithoutAckEnds(t *testing.T) {
	ts := startServer(t, nil)
	nc, err := nats.Connect(ts.url())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Subscribe("silent", func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		ctx     time.Duration
	}{
		{"context deadline", time.Minute, 300 * time.Millisecond},
		{"ack timeout", 500 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t, Config{URL: ts.url(), Subject: "silent", Timeout: tc.timeout})
			ctx := context.Background()
			if tc.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctx)
				defer cancel()
			}
			if err := s.Send(ctx, batch("1", 0, 5, 5)); !uplink.IsUnreachable(err) {
				t.Fatalf("send: %v, want unreachable", err)
			}
		})
	}
}

func TestSendEmptyBatch(t *testing.T) {
	ts := startServer(t, nil)
	s := newSink(t, Config{URL: ts.url(), Subject: "readings"})
	if err := s.Send(context.Background(), &uplink.Batch{ID: "empty"}); err != nil {
		t.Fatalf("send of an empty batch: %v", err)
	}
}

func waitConnected(t *testing.T, s *Sink) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !s.nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("sink did not reconnect")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sendWhenUp sends once the sink reconnected, retrying while it reports
// the destination unreachable, as the delivery does: nats.go fails the
// acknowledgements pending at a disconnect from its own goroutine, which
// may run just after the reconnection.
func sendWhenUp(t *testing.T, s *Sink, b *uplink.Batch) error {
	t.Helper()
	waitConnected(t, s)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Send(context.Background(), b)
		if !uplink.IsUnreachable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func createStreamHandle(t *testing.T, js jetstream.JetStream, name string) jetstream.Stream {
	t.Helper()
	st, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
