package gateway

import (
	"crypto/subtle"
	"net/http"
	"sync/atomic"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
	"github.com/tidegate/tidegate/gateway/config"
)

// authenticator checks requests against the access keys in force; Reload
// swaps them without a restart. With no keys configured (loopback only)
// everything passes.
type authenticator struct {
	k atomic.Pointer[accessKeys] // nil: no keys configured
}

// accessKeys are the configured keys as each surface checks them: SigV4 for
// the Kinesis and Firehose APIs and for REST changes (the service name each
// signs for differs), and the secrets an HTTP endpoint delivery may present.
type accessKeys struct {
	kinesis, firehose, rest *sigv4.Verifier
	secrets                 []string
}

func (a *authenticator) set(keys []config.AccessKey) {
	if len(keys) == 0 {
		a.k.Store(nil)
		return
	}
	m := make(map[string]string, len(keys))
	k := &accessKeys{secrets: make([]string, 0, len(keys))}
	for _, key := range keys {
		m[key.ID] = key.Secret.Value()
		k.secrets = append(k.secrets, key.Secret.Value())
	}
	k.kinesis = &sigv4.Verifier{Keys: m, Service: "kinesis"}
	k.firehose = &sigv4.Verifier{Keys: m, Service: "firehose"}
	k.rest = &sigv4.Verifier{Keys: m, Service: "tidegate"}
	a.k.Store(k)
}

// verify checks a Kinesis API request.
func (a *authenticator) verify(r *http.Request, body []byte) error {
	if k := a.k.Load(); k != nil {
		return awsAuth(k.kinesis, r, body)
	}
	return nil
}

// verifyFirehose checks a Firehose API request, signed for the service "firehose".
func (a *authenticator) verifyFirehose(r *http.Request, body []byte) error {
	if k := a.k.Load(); k != nil {
		return awsAuth(k.firehose, r, body)
	}
	return nil
}

// verifyREST checks a REST request that changes something, signed for the service
// "tidegate" (as `tidegate deliveries` signs it).
func (a *authenticator) verifyREST(r *http.Request, body []byte) error {
	if k := a.k.Load(); k != nil {
		return k.rest.Verify(r, body)
	}
	return nil
}

// accessKey checks an HTTP endpoint delivery's X-Amz-Firehose-Access-Key: it must be
// the secret of a configured access key.
func (a *authenticator) accessKey(key string) bool {
	k := a.k.Load()
	if k == nil {
		return true
	}
	ok := 0
	for _, secret := range k.secrets {
		ok |= subtle.ConstantTimeCompare([]byte(key), []byte(secret))
	}
	return ok == 1
}

// awsAuth verifies a signature; a refusal (*sigv4.Error) carries the AWS error
// type and message the APIs answer with.
func awsAuth(v *sigv4.Verifier, r *http.Request, body []byte) error {
	return v.Verify(r, body)
}
