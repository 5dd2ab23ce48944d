package gateway

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/gateway/kinesis"
	"github.com/tidegate/tidegate/gateway/sigv4"
)

// authenticator checks SigV4 on the AWS-compatible APIs against the access
// keys in force; Reload swaps them without a restart.
type authenticator struct {
	v        atomic.Pointer[sigv4.Verifier] // nil: no keys configured, no checks (loopback only)
	firehose atomic.Pointer[sigv4.Verifier]
	rest     atomic.Pointer[sigv4.Verifier]
	secrets  atomic.Pointer[[]string]
}

func (a *authenticator) set(keys []config.AccessKey) {
	if len(keys) == 0 {
		a.v.Store(nil)
		a.firehose.Store(nil)
		a.rest.Store(nil)
		a.secrets.Store(nil)
		return
	}
	m := make(map[string]string, len(keys))
	secrets := make([]string, 0, len(keys))
	for _, k := range keys {
		m[k.ID] = k.Secret.Value()
		secrets = append(secrets, k.Secret.Value())
	}
	a.v.Store(&sigv4.Verifier{Keys: m, Service: "kinesis"})
	a.firehose.Store(&sigv4.Verifier{Keys: m, Service: "firehose"})
	a.rest.Store(&sigv4.Verifier{Keys: m, Service: "tidegate"})
	a.secrets.Store(&secrets)
}

// verifyFirehose checks a Firehose API request, signed for the service "firehose".
func (a *authenticator) verifyFirehose(r *http.Request, body []byte) error {
	v := a.firehose.Load()
	if v == nil {
		return nil
	}
	err := v.Verify(r, body)
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &kinesis.AuthError{Type: se.Type, Message: se.Message}
	}
	return err
}

// verifyREST checks a REST request that changes something, signed for the service
// "tidegate" (as `tidegate deliveries` signs it).
func (a *authenticator) verifyREST(r *http.Request, body []byte) error {
	v := a.rest.Load()
	if v == nil {
		return nil
	}
	return v.Verify(r, body)
}

// accessKey checks an HTTP endpoint delivery's X-Amz-Firehose-Access-Key: it must be
// the secret of a configured access key.
func (a *authenticator) accessKey(key string) bool {
	s := a.secrets.Load()
	if s == nil {
		return true
	}
	ok := 0
	for _, secret := range *s {
		ok |= subtle.ConstantTimeCompare([]byte(key), []byte(secret))
	}
	return ok == 1
}

func (a *authenticator) verify(r *http.Request, body []byte) error {
	v := a.v.Load()
	if v == nil {
		return nil
	}
	err := v.Verify(r, body)
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &kinesis.AuthError{Type: se.Type, Message: se.Message}
	}
	return err
}
