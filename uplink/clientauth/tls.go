package clientauth

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/tidegate/tidegate/uplink"
)

// TLS is a destination's tls block. Without CAFile the system roots are
// used; CertFile and KeyFile, together, give a client certificate.
// A destination whose config has no insecure_skip_verify leaves it false.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Validate checks the block without reading the files it names; Config
// reads them, and a destination's CheckEnvironment calls it (what `config
// check` runs on the gateway's machine). Its error starts with "tls", for
// the destination to wrap with its own name.
func (t TLS) Validate() error {
	if (t.CertFile == "") != (t.KeyFile == "") {
		return fmt.Errorf("tls: cert_file and key_file go together")
	}
	return nil
}

// Config reads the files the block names. Its errors are uplink.ErrConfig
// and name the destination dest ("nats").
func (t TLS) Config(dest string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // the operator's explicit choice
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tls.ca_file: %w", uplink.ErrConfig, dest, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s: tls.ca_file: %q holds no PEM certificate", uplink.ErrConfig, dest, t.CAFile)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tls.cert_file/key_file: %w", uplink.ErrConfig, dest, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
