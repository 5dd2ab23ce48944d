// Package selfsigned writes throwaway certificates for 127.0.0.1, for tests
// of TLS listeners and clients: a self-signed one, or a certificate
// authority that issues server and client certificates (mutual TLS).
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Write writes a certificate valid for 127.0.0.1 for an hour, and its
// key, as PEM files in a test's temporary directory.
func Write(t testing.TB) (certFile, keyFile string) {
	t.Helper()
	priv := newKey(t)
	tmpl := leaf(1, "tidegate test", false)
	return writePair(t, t.TempDir(), "tls", sign(t, tmpl, tmpl, priv, priv), priv)
}

// CA is a certificate authority of a test.
type CA struct {
	t      testing.TB
	dir    string
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
	// File is the CA certificate (PEM), what a peer trusts.
	File string
}

// NewCA makes a certificate authority valid for an hour.
func NewCA(t testing.TB) *CA {
	t.Helper()
	ca := &CA{t: t, dir: t.TempDir(), key: newKey(t), serial: 1}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tidegate test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der := sign(t, tmpl, tmpl, ca.key, ca.key)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca.cert = cert
	ca.File = filepath.Join(ca.dir, "ca.crt")
	writePEM(t, ca.File, "CERTIFICATE", der)
	return ca
}

// Issue writes a certificate the CA signs, for 127.0.0.1: a client
// certificate when client is set, else a server one.
func (ca *CA) Issue(name string, client bool) (certFile, keyFile string) {
	ca.t.Helper()
	ca.serial++
	priv := newKey(ca.t)
	der := sign(ca.t, leaf(ca.serial, name, client), ca.cert, priv, ca.key)
	return writePair(ca.t, ca.dir, name, der, priv)
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func leaf(serial int64, name string, client bool) *x509.Certificate {
	usage := x509.ExtKeyUsageServerAuth
	if client {
		usage = x509.ExtKeyUsageClientAuth
	}
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
}

func sign(t testing.TB, tmpl, parent *x509.Certificate, priv, signer *ecdsa.PrivateKey) []byte {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &priv.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePair(t testing.TB, dir, name string, der []byte, priv *ecdsa.PrivateKey) (certFile, keyFile string) {
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
