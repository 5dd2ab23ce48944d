package gateway

import (
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
	v atomic.Pointer[sigv4.Verifier] // nil: no keys configured, no checks (loopback only)
}

func (a *authenticator) set(keys []config.AccessKey) {
	if len(keys) == 0 {
		a.v.Store(nil)
		return
	}
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k.ID] = k.Secret.Value()
	}
	a.v.Store(&sigv4.Verifier{Keys: m, Service: "kinesis"})
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
