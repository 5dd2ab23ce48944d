package nats

import (
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
			password, err := c.password().Resolve("nats")
			if err != nil {
				return nil, err
			}
			opts = append(opts, nats.UserInfo(c.Username, password))
		default:
			token, err := c.token().Resolve("nats")
			if err != nil {
				return nil, err
			}
			opts = append(opts, nats.Token(token))
		}
	}
	if cfg.TLS != nil {
		tc, err := cfg.TLS.settings().Config("nats")
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
