package nats

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/tidegate/tidegate/internal/selfsigned"
	"github.com/tidegate/tidegate/uplink"
)

func TestCredentials(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("t0ken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		server func(*server.Options)
		admin  nats.Option
		good   Credentials
		bad    Credentials
	}{
		{"username", func(o *server.Options) { o.Username, o.Password = "edge", "s3cret" },
			nats.UserInfo("edge", "s3cret"),
			Credentials{Username: "edge", Password: "s3cret"}, Credentials{Username: "edge", Password: "wrong"}},
		{"token", func(o *server.Options) { o.Authorization = "t0ken" },
			nats.Token("t0ken"),
			Credentials{TokenFile: tokenFile}, Credentials{Token: "wrong"}},
		{"nkey", func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} },
			nats.Nkey(pub, user.Sign),
			Credentials{NKeyFile: seedFile}, Credentials{Token: "no-nkey"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.server)
			createStream(t, admin(t, ts, tc.admin), "READINGS", "readings")

			s := newSink(t, Config{URL: ts.url(), Subject: "readings", Credentials: &tc.good})
			waitConnected(t, s)
			if err := s.Send(context.Background(), batch("1", 0, 3, 3)); err != nil {
				t.Fatalf("send with good credentials: %v", err)
			}
			// Refused credentials leave the records waiting: they are
			// never dead-lettered for a configuration mistake.
			// The reason shows once the client has recorded the refusal;
			// until then the error says it is reconnecting.
			bad := newSink(t, Config{URL: ts.url(), Subject: "readings", Credentials: &tc.bad})
			deadline := time.Now().Add(10 * time.Second)
			for {
				err := bad.Send(context.Background(), batch("1", 0, 3, 3))
				if !uplink.IsUnreachable(err) {
					t.Fatalf("send with bad credentials: %v, want unreachable", err)
				}
				if strings.Contains(strings.ToLower(err.Error()), "authorization violation") { // "Authorization Violation" when it comes from the last connection error
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("send with bad credentials: %v, want it to say why", err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestNewRejectsMissingFiles(t *testing.T) {
	for _, tc := range []struct {
		cfg Config
		key string
	}{
		{Config{Credentials: &Credentials{CredsFile: "/nonexistent/user.creds"}}, "credentials.creds_file"},
		{Config{Credentials: &Credentials{NKeyFile: "/nonexistent/user.nk"}}, "credentials.nkey_file"},
		{Config{TLS: &TLS{CAFile: "/nonexistent/ca.pem"}}, "tls.ca_file"},
		{Config{TLS: &TLS{CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"}}, "tls.cert_file"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			tc.cfg.URL, tc.cfg.Subject = "nats://127.0.0.1:4222", "readings"
			_, err := New(context.Background(), tc.cfg)
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("New: %v, want ErrConfig naming %s", err, tc.key)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	certFile, keyFile := selfsigned.Write(t)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, func(o *server.Options) {
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		o.TLS = true
	})
	createStream(t, admin(t, ts, nats.RootCAs(certFile)), "READINGS", "readings")

	s := newSink(t, Config{URL: ts.url(), Subject: "readings", TLS: &TLS{CAFile: certFile}})
	waitConnected(t, s)
	if err := s.Send(context.Background(), batch("1", 0, 3, 3)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}
	untrusted := newSink(t, Config{URL: ts.url(), Subject: "readings", TLS: &TLS{}})
	if err := untrusted.Send(context.Background(), batch("1", 0, 3, 3)); !uplink.IsUnreachable(err) {
		t.Fatalf("send to an untrusted server: %v, want unreachable", err)
	}
}
