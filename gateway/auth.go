package gateway

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/tidegate/tidegate/gateway/api/sigv4"
	"github.com/tidegate/tidegate/gateway/config"
)

// authenticator holds the credentials in force; Reload swaps all of them (keys, tokens,
// metrics.public) in one step, so no request sees half of an old and half of a new
// configuration. With no access key and no token configured (loopback only) every
// request passes, as before any credentials existed.
type authenticator struct {
	s atomic.Pointer[authState]
}

// authState is the credentials as each surface checks them.
type authState struct {
	// open: nothing configured, nothing checked.
	open bool
	// kinesis and firehose verify the AWS APIs' SigV4; gateway verifies SigV4 on the
	// gateway's own routes. Their key sets are empty when only tokens are configured,
	// which refuses every signature: there is no key to sign with.
	kinesis, firehose, kinesisvideo, gateway *sigv4.Verifier
	// tokens are the SHA-256 digests of the bearer tokens, compared in constant time
	// (a digest has one length, so the comparison does not reveal a token's length).
	tokens [][sha256.Size]byte
	// endpointKeys are the digests of what an HTTP endpoint delivery may present as
	// X-Amz-Firehose-Access-Key: an access key's secret or a token.
	endpointKeys  [][sha256.Size]byte
	metricsPublic bool
}

func (a *authenticator) set(cfg *config.Config) {
	keys := make(map[string]string, len(cfg.Auth.AccessKeys))
	s := &authState{open: !cfg.Auth.HasCredentials(), metricsPublic: cfg.Metrics.Public}
	for _, k := range cfg.Auth.AccessKeys {
		keys[k.ID] = k.Secret.Value()
		s.endpointKeys = append(s.endpointKeys, sha256.Sum256([]byte(k.Secret.Value())))
	}
	for _, t := range cfg.Auth.Tokens {
		d := sha256.Sum256([]byte(t.Secret.Value()))
		s.tokens = append(s.tokens, d)
		s.endpointKeys = append(s.endpointKeys, d)
	}
	s.kinesis = &sigv4.Verifier{Keys: keys, Service: "kinesis"}
	s.firehose = &sigv4.Verifier{Keys: keys, Service: "firehose"}
	s.kinesisvideo = &sigv4.Verifier{Keys: keys, Service: "kinesisvideo"}
	s.gateway = &sigv4.Verifier{Keys: keys, Service: gatewayService}
	a.s.Store(s)
}

// gatewayService is the SigV4 service name of the gateway's own routes, as
// `tidegate deliveries` signs them.
const gatewayService = "tidegate"

// verify checks a Kinesis API request.
func (a *authenticator) verify(r *http.Request, body []byte) error {
	if s := a.s.Load(); !s.open {
		return s.kinesis.Verify(r, body)
	}
	return nil
}

// verifyFirehose checks a Firehose API request, signed for the service "firehose".
func (a *authenticator) verifyFirehose(r *http.Request, body []byte) error {
	if s := a.s.Load(); !s.open {
		return s.firehose.Verify(r, body)
	}
	return nil
}

// verifyKinesisVideo checks a Kinesis Video Streams API request, signed for the
// service "kinesisvideo".
func (a *authenticator) verifyKinesisVideo(r *http.Request, body []byte) error {
	if s := a.s.Load(); !s.open {
		return s.kinesisvideo.Verify(r, body)
	}
	return nil
}

// accessKey checks an HTTP endpoint delivery's X-Amz-Firehose-Access-Key: it must be
// the secret of a configured access key or a token.
func (a *authenticator) accessKey(key string) bool {
	s := a.s.Load()
	return s.open || matchDigest(s.endpointKeys, []byte(key))
}

// matchDigest reports whether secret's digest is among digests, comparing with every
// one so that the time taken does not say which matched.
func matchDigest(digests [][sha256.Size]byte, secret []byte) bool {
	d := sha256.Sum256(secret)
	ok := 0
	for i := range digests {
		ok |= subtle.ConstantTimeCompare(d[:], digests[i][:])
	}
	return ok == 1
}

// maxSignedBody bounds the body the gateway reads to verify a SigV4 signature on its
// own routes (the signature covers the body's hash). The largest such body is a
// delivery definition.
const maxSignedBody = maxDeliveryBody

// errUnauthenticated is a request to a closed route without credentials.
var errUnauthenticated = errors.New("authentication required: send Authorization: Bearer <token> (auth.tokens) " +
	"or sign the request with SigV4 for the service \"tidegate\" (auth.access_keys)")

// errBadToken is a bearer token that is not configured.
var errBadToken = errors.New("the bearer token is not one of auth.tokens")

// requireAuth lets a request to one of the gateway's own routes through when it carries
// a configured bearer token or a SigV4 signature (service "tidegate") by a configured
// access key, and answers 401 otherwise. A signed request's body is read to check the
// signature and handed on to h as it was.
func (a *authenticator) requireAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := a.s.Load()
		if s.open {
			h.ServeHTTP(w, r)
			return
		}
		if err := s.check(w, r); err != nil {
			refuse(w, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// metricsAuth is requireAuth unless metrics.public is set.
func (a *authenticator) metricsAuth(h http.Handler) http.Handler {
	closed := a.requireAuth(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.s.Load().metricsPublic {
			h.ServeHTTP(w, r)
			return
		}
		closed.ServeHTTP(w, r)
	})
}

// check authenticates r by its bearer token or its SigV4 signature.
func (s *authState) check(w http.ResponseWriter, r *http.Request) error {
	authz := r.Header.Get("Authorization")
	if scheme, token, ok := strings.Cut(authz, " "); ok && strings.EqualFold(scheme, "Bearer") {
		if matchDigest(s.tokens, []byte(strings.TrimSpace(token))) {
			return nil
		}
		return errBadToken
	}
	if !strings.HasPrefix(authz, "AWS4-") && !r.URL.Query().Has("X-Amz-Signature") {
		return errUnauthenticated
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSignedBody))
	if err != nil {
		return &bodyError{err}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := s.gateway.Verify(r, body); err != nil {
		if se, ok := errors.AsType[*sigv4.Error](err); ok {
			return fmt.Errorf("%s: %s", se.Type, se.Message)
		}
		return err
	}
	return nil
}

// bodyError is a signed request whose body could not be read in full.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the signed body: " + e.err.Error() }

// refuse answers a request that failed authentication: 401 with a Bearer challenge
// (RFC 6750; error="invalid_token" when a token was sent but is wrong) and the reason
// as {"error": "..."}, or 413 for a signed body too large to check.
func refuse(w http.ResponseWriter, err error) {
	if be, ok := errors.AsType[*bodyError](err); ok {
		status := http.StatusBadRequest
		if _, tooLarge := errors.AsType[*http.MaxBytesError](be.err); tooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	challenge := `Bearer realm="tidegate"`
	if errors.Is(err, errBadToken) {
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
}
