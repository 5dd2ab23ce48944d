package nats

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/tidegate/tidegate/uplink"
)

// connectOptions turns a validated Config into nats.go options.
//
// The connection is made for store-and-forward: it is created even when no
// server answers (the records wait in their streams), reconnects forever,
// also after refused credentials (the operator may fix them on the server),
// and buffers nothing while disconnected, so a publish then fails at once
// instead of sitting in a buffer whose fate Send cannot learn.
func connectOptions(cfg Config) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name("tidegate"),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.IgnoreAuthErrorAbort(),
		nats.ReconnectBufSize(-1),
		nats.Timeout(min(cfg.timeout(), nats.DefaultTimeout)),
	}
	if c := cfg.Credentials; c != nil {
		switch {
		case c.CredsFile != "":
			if _, err := os.Stat(c.CredsFile); err != nil {
				return nil, fmt.Errorf("%w: nats: credentials.creds_file: %w", uplink.ErrConfig, err)
			}
			opts = append(opts, nats.UserCredentials(c.CredsFile))
		case c.NKeyFile != "":
			opt, err := nats.NkeyOptionFromSeed(c.NKeyFile)
			if err != nil {
				return nil, fmt.Errorf("%w: nats: credentials.nkey_file: %w", uplink.ErrConfig, err)
			}
			opts = append(opts, opt)
		case c.Username != "":
			password, err := c.password().resolve()
			if err != nil {
				return nil, err
			}
			opts = append(opts, nats.UserInfo(c.Username, password))
		default:
			token, err := c.token().resolve()
			if err != nil {
				return nil, err
			}
			opts = append(opts, nats.Token(token))
		}
	}
	if cfg.TLS != nil {
		tc, err := tlsConfig(*cfg.TLS)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	if l := cfg.Logger; l != nil {
		opts = append(opts,
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				l.Warn("nats: disconnected", "err", err)
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) {
				l.Info("nats: reconnected", "server", nc.ConnectedUrlRedacted())
			}),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
				l.Warn("nats: asynchronous error", "err", err)
			}),
		)
	}
	return opts, nil
}

// tlsConfig reads the files a TLS block names.
func tlsConfig(t TLS) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nats: tls.ca_file: %w", uplink.ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: nats: tls.ca_file: %q holds no PEM certificate", uplink.ErrConfig, t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nats: tls.cert_file/key_file: %w", uplink.ErrConfig, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
