package clientauth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/selfsigned"
	"github.com/tidegate/tidegate/uplink"
)

func TestTLSConfig(t *testing.T) {
	certFile, keyFile := selfsigned.Write(t)
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "none.pem")
	for _, tc := range []struct {
		name string
		tls  TLS
		want string // part of the error; "" when Config succeeds
	}{
		{"system roots", TLS{}, ""},
		{"ca and client certificate", TLS{CAFile: certFile, CertFile: certFile, KeyFile: keyFile}, ""},
		{"missing ca", TLS{CAFile: missing}, "test: tls.ca_file: "},
		{"ca not PEM", TLS{CAFile: notPEM}, "holds no PEM certificate"},
		{"missing client certificate", TLS{CertFile: missing, KeyFile: keyFile}, "test: tls.cert_file/key_file: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.tls.InsecureSkipVerify = true
			got, err := tc.tls.Config("test")
			if tc.want != "" {
				if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Config = %v, %v; want an ErrConfig saying %q", got, err, tc.want)
				}
				return
			}
			switch {
			case err != nil:
				t.Fatalf("Config: %v", err)
			case !got.InsecureSkipVerify:
				t.Fatal("Config dropped insecure_skip_verify")
			case (tc.tls.CAFile != "") != (got.RootCAs != nil):
				t.Fatalf("Config: RootCAs %v for ca_file %q", got.RootCAs, tc.tls.CAFile)
			case (tc.tls.CertFile != "") != (len(got.Certificates) == 1):
				t.Fatalf("Config: %d client certificates for cert_file %q", len(got.Certificates), tc.tls.CertFile)
			}
		})
	}
	if err := (TLS{KeyFile: keyFile}).Validate(); err == nil {
		t.Fatal("validate accepted a key_file without a cert_file")
	}
}
