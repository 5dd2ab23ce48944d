package kafka

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tidegate/tidegate/internal/selfsigned"
	"github.com/tidegate/tidegate/uplink"
)

func TestSASL(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	passwordFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte("scram256-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := cluster(t, kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "plain-user", "plain-pass"),
		kfake.Superuser("SCRAM-SHA-256", "scram256-user", "scram256-pass"),
		kfake.Superuser("SCRAM-SHA-512", "scram512-user", "scram512-pass"),
	)
	for _, tc := range []struct {
		sasl SASL
		ok   bool
	}{
		{SASL{Mechanism: "plain", Username: "plain-user", Password: "plain-pass"}, true},
		{SASL{Mechanism: "scram-sha-256", Username: "scram256-user", Password: "scram256-pass"}, true},
		{SASL{Mechanism: "SCRAM-SHA-512", Username: "scram512-user", Password: "scram512-pass"}, true},
		{SASL{Mechanism: "scram-sha-256", Username: "scram256-user", PasswordFile: passwordFile}, true},
		{SASL{Mechanism: "scram-sha-256", Username: "scram256-user", Password: "wrong"}, false},
	} {
		t.Run(tc.sasl.Mechanism+"/"+tc.sasl.Password+tc.sasl.PasswordFile, func(t *testing.T) {
			s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, SASL: &tc.sasl, Timeout: time.Second})
			err := s.Send(context.Background(), batch("1", 0, 5, 5))
			if tc.ok && err != nil {
				t.Fatalf("send: %v", err)
			}
			// A refused login is a configuration problem, not a refusal of
			// the records: they must wait, never be dead-lettered.
			if !tc.ok && !uplink.IsUnreachable(err) {
				t.Fatalf("send with a wrong password: %v, want unreachable", err)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	t.Parallel() // mostly waiting out timeouts
	certFile, keyFile := selfsigned.Write(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c := cluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))

	s := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, TLS: &TLS{CAFile: certFile}})
	if err := s.Send(context.Background(), batch("1", 0, 5, 5)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}

	// Without the CA the certificate is not trusted: nothing is delivered,
	// and the records wait.
	untrusted := newSink(t, Config{Brokers: c.ListenAddrs(), Topic: testTopic, TLS: &TLS{}, Timeout: time.Second})
	if err := untrusted.Send(context.Background(), batch("2", 5, 5, 5)); !uplink.IsUnreachable(err) {
		t.Fatalf("send to an untrusted broker: %v, want unreachable", err)
	}
}
