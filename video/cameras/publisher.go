package cameras

import (
	"context"
	"fmt"
)

// PublisherSource is the `source:` of a camera that waits for a publisher.
const PublisherSource = "publisher"

// PublisherConfig is the configuration of `source: publisher`: who may
// publish. Without a username the ingest server's own credentials apply.
type PublisherConfig struct {
	Login `yaml:",inline"`
}

// Validate checks the login.
func (c *PublisherConfig) Validate() error { return c.Login.Validate() }

// publisher waits: the ingest servers bring the sessions.
type publisher struct{ creds []Credential }

func (p *publisher) Run(ctx context.Context, _ *Camera) { <-ctx.Done() }

func (p *publisher) PublishCredentials() []Credential { return p.creds }

func init() {
	RegisterSource(SourceType{
		Name:         "publisher",
		Forms:        []string{PublisherSource},
		Accepts:      func(s string) bool { return s == PublisherSource },
		NewConfig:    func() SourceConfig { return new(PublisherConfig) },
		Capabilities: Capabilities{Publishable: true},
		New: func(_ string, cfg SourceConfig, _ Env) (Source, error) {
			c := cfg.(*PublisherConfig)
			p := &publisher{}
			if c.IsSet() {
				cred, err := c.Resolve()
				if err != nil {
					return nil, fmt.Errorf("publisher: %w", err)
				}
				p.creds = []Credential{cred}
			}
			return p, nil
		},
	})
}

var _ Credentialed = (*publisher)(nil)
