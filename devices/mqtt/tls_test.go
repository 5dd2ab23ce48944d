package mqtt

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/internal/selfsigned"
	"github.com/tidegate/tidegate/shards"
)

// TestEmbeddedTLS: a client on the broker's TLS listener publishes and the
// record is stored, as over plain TCP.
func TestEmbeddedTLS(t *testing.T) {
	st := openStore(t)
	sensors := createStream(t, st, "sensors", shards.StreamConfig{Shards: 1})
	cert, key := selfsigned.Write(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsAddr := ln.Addr().String()
	ln.Close()
	startService(t, &Service{Writer: newWriter(t, st), Config: Config{Listen: "127.0.0.1:0",
		TLS: TLSConfig{Listen: tlsAddr, CertFile: cert, KeyFile: key}}})

	c := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + tlsAddr).SetClientID("tls-pub").
		SetTLSConfig(&tls.Config{InsecureSkipVerify: true}))
	if tk := c.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("connect over TLS: %v", tk.Error())
	}
	defer c.Disconnect(0)
	if tk := c.Publish("streams/sensors/dev-tls", 1, false, "21.5"); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("publish over TLS: %v", tk.Error())
	}
	if recs := readAll(t, sensors); len(recs) != 1 || recs[0].PartitionKey != "dev-tls" {
		t.Fatalf("stored %v", recs)
	}
}
