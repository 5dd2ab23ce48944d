package mqtt

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/tidegate/tidegate/shards"
)

// fullDiskWriter refuses every record as a full data directory does.
type fullDiskWriter struct{ Writer }

func (fullDiskWriter) Enqueue(string, []shards.PutEntry) func(context.Context) error {
	return func(context.Context) error {
		return fmt.Errorf("%w: 1000 bytes free, reserve 1048576", shards.ErrDiskFull)
	}
}

// A message a full disk refuses is not acknowledged: an MQTT 5 client is
// told "quota exceeded" and let go, so it sends it again; the refusal is
// counted as one for a full disk, and not logged per message (the disk
// guard logs the state once).
func TestFullDiskRefusesWithQuotaExceeded(t *testing.T) {
	st := openStore(t)
	createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	var logs lockedLog // the broker logs from its own goroutines
	svc := startService(t, &Service{Config: Config{Listen: "127.0.0.1:0"}, Writer: fullDiskWriter{newWriter(t, st)},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c, _ := dialSession(t, svc.Broker.Addr(), "dev-1", 5, true, 0)
	c.write(t, packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1}, ProtocolVersion: 5,
		TopicName: "streams/sensors/dev-1", Payload: []byte("21.5"), PacketID: 1})
	typ, body := c.read(t)
	if typ != packets.Disconnect {
		t.Fatalf("got packet type %d, want a DISCONNECT", typ)
	}
	pk := packets.Packet{ProtocolVersion: 5, FixedHeader: packets.FixedHeader{Type: packets.Disconnect, Remaining: len(body)}}
	if err := pk.DisconnectDecode(body); err != nil {
		t.Fatal(err)
	}
	if pk.ReasonCode != packets.ErrQuotaExceeded.Code {
		t.Errorf("DISCONNECT reason 0x%02x, want 0x%02x (quota exceeded)", pk.ReasonCode, packets.ErrQuotaExceeded.Code)
	}
	got := svc.Stats().Sources[EmbeddedSource]
	if got.Refused != 1 || got.DiskFull != 1 || got.Records != 0 {
		t.Errorf("stats %+v", got)
	}
	if strings.Contains(logs.String(), "not stored") {
		t.Errorf("logged the refusal:\n%s", logs.String())
	}
}

// lockedLog collects log lines written from many goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
