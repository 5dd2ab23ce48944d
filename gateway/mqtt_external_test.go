package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/devices/sparkplug"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/selfsigned"
)

// TestSparkplugRebirthThroughAnExternalBroker: a sequence gap seen on an
// external broker's subscription is answered with an NCMD on that broker.
func TestSparkplugRebirthThroughAnExternalBroker(t *testing.T) {
	addr := peer.Mosquitto(t, peer.MosquittoOptions{})
	g := startGateway(t, testConfig(t, fmt.Sprintf(`streams: [{name: plant, shards: 1}]
mqtt:
  listen: "-"
  brokers: [{name: site, url: "tcp://%s", client_id: tidegate-sp}]
  subscriptions: [{broker: site, topic: "spBv1.0/#", stream: plant, decoder: {type: sparkplug}}]
`, addr)))
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("edge-1"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	cmds := make(chan string, 4)
	c.Subscribe("spBv1.0/plant/NCMD/#", 1, func(_ paho.Client, m paho.Message) { cmds <- m.Topic() }).Wait()
	u := func(v uint64) *uint64 { return &v }
	pub := func(kind string, p sparkplug.Payload) {
		t.Helper()
		if tok := c.Publish("spBv1.0/plant/"+kind+"/edge-1", 1, false, sparkplug.Encode(p)); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	// The gateway subscribes in the background: wait until a birth is stored.
	now := uint64(time.Now().UnixMilli())
	s, _ := g.Store().Stream("plant")
	waitFor(t, "the birth stored", func() bool {
		pub("NBIRTH", sparkplug.Payload{Timestamp: now, Seq: u(0), Metrics: []sparkplug.Metric{
			{Name: "bdSeq", Datatype: sparkplug.UInt64, Value: uint64(0)},
			{Name: "temperature", Alias: u(1), Datatype: sparkplug.Double, Value: 20.5},
		}})
		time.Sleep(100 * time.Millisecond)
		return s.Stats().RecordsIn > 0
	})
	pub("NDATA", sparkplug.Payload{Timestamp: now, Seq: u(1), Metrics: []sparkplug.Metric{{Alias: u(1), Datatype: sparkplug.Double, Value: 21.0}}})
	pub("NDATA", sparkplug.Payload{Timestamp: now, Seq: u(3), Metrics: []sparkplug.Metric{{Alias: u(1), Datatype: sparkplug.Double, Value: 21.5}}})
	select {
	case topic := <-cmds:
		if topic != "spBv1.0/plant/NCMD/edge-1" {
			t.Fatalf("rebirth on %s", topic)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no rebirth request on the external broker after a sequence gap")
	}
}

// TestExternalBrokerOverTLS: the gateway subscribes to Mosquitto over TLS,
// trusting it through ca_file, and stores what is published there.
func TestExternalBrokerOverTLS(t *testing.T) {
	cert, key := selfsigned.Write(t)
	addr := peer.Mosquitto(t, peer.MosquittoOptions{CertFile: cert, KeyFile: key})
	g := startGateway(t, testConfig(t, fmt.Sprintf(`streams: [{name: sensors, shards: 1}]
mqtt:
  listen: "-"
  brokers: [{name: site, url: "ssl://%s", client_id: tidegate-tls, ca_file: %s}]
  subscriptions: [{broker: site, topic: "site/+/data", stream: sensors, device: "{1}", qos: 1}]
`, addr, cert)))
	pem, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("dev").SetTLSConfig(&tls.Config{RootCAs: pool}))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	s, _ := g.Store().Stream("sensors")
	i := 0
	waitFor(t, "messages stored over TLS", func() bool {
		i++
		c.Publish("site/dev-1/data", 1, false, fmt.Sprintf(`{"n":%d}`, i)).WaitTimeout(5 * time.Second)
		time.Sleep(20 * time.Millisecond)
		return s.Stats().RecordsIn >= 5
	})
	if r := readAllRecords(t, s)[0]; r.PartitionKey != "dev-1" {
		t.Errorf("record keyed %q", r.PartitionKey)
	}
}

// TestExternalBrokerWithClientCertificate: Mosquitto requires a client
// certificate signed by its CA; the gateway presents one (cert_file,
// key_file) and trusts the broker through ca_file.
func TestExternalBrokerWithClientCertificate(t *testing.T) {
	ca := selfsigned.NewCA(t)
	srvCert, srvKey := ca.Issue("broker", false)
	cliCert, cliKey := ca.Issue("tidegate", true)
	addr := peer.Mosquitto(t, peer.MosquittoOptions{CertFile: srvCert, KeyFile: srvKey, ClientCA: ca.File})
	g := startGateway(t, testConfig(t, fmt.Sprintf(`streams: [{name: sensors, shards: 1}]
mqtt:
  listen: "-"
  brokers: [{name: site, url: "ssl://%s", client_id: tidegate-mtls, ca_file: %s, cert_file: %s, key_file: %s}]
  subscriptions: [{broker: site, topic: "site/+/data", stream: sensors, device: "{1}", qos: 1}]
`, addr, ca.File, cliCert, cliKey)))
	pem, _ := os.ReadFile(ca.File)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	pair, err := tls.LoadX509KeyPair(cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("dev").
		SetTLSConfig(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	s, _ := g.Store().Stream("sensors")
	i := 0
	waitFor(t, "messages stored over mutual TLS", func() bool {
		i++
		c.Publish("site/dev-2/data", 1, false, fmt.Sprintf(`{"n":%d}`, i)).WaitTimeout(5 * time.Second)
		time.Sleep(20 * time.Millisecond)
		return s.Stats().RecordsIn >= 5
	})
	// Without a certificate the broker refuses the connection.
	bare := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("nocert").
		SetTLSConfig(&tls.Config{RootCAs: pool}).SetConnectTimeout(3 * time.Second))
	if tok := bare.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		bare.Disconnect(0)
		t.Fatal("mosquitto took a client without a certificate: the test proves nothing")
	}
}
