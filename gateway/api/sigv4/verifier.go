package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is how far a request's X-Amz-Date may be from the gateway's clock, as at AWS.
const DefaultMaxSkew = 15 * time.Minute

// Verifier checks AWS Signature Version 4 on incoming requests. Configure its fields before
// the first Verify and leave them alone afterwards; Verify may then be called from many
// goroutines. A Verifier must not be copied after first use.
type Verifier struct {
	Keys    map[string]string // access key id → secret access key
	Service string            // the credential scope's service must equal it, e.g. "kinesis"
	Clock   func() time.Time  // nil: time.Now
	MaxSkew time.Duration     // 0: DefaultMaxSkew

	cache signingKeyCache
}

// Verify checks r's signature, from its Authorization header or its presigned query
// parameters (X-Amz-Algorithm, X-Amz-Credential, …), against body, the request's full
// body, already read. Any region is accepted. It returns nil or an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	s, err := parseSignature(r, query)
	if err != nil {
		return err
	}
	secret, ok := v.Keys[s.keyID]
	if !ok || s.sessionToken {
		return unrecognized()
	}
	if s.service != v.Service {
		return invalid("Credential should be scoped to correct service: '%s'.", v.Service)
	}
	if s.scopeDate != s.amzDate[:len(scopeDate)] {
		return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "+
			"'%s' != '%s', from '%s'.", s.scopeDate, s.amzDate[:len(scopeDate)], s.amzDate)
	}
	if err := v.checkTime(s); err != nil {
		return err
	}
	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return err
	}

	scope := keyScope{secret: secret, date: s.scopeDate, region: s.region, service: s.service}
	key, cached := v.cache.get(scope)
	if !cached {
		key = deriveSigningKey(scope)
	}
	if !s.matches(r, query, payloadHash, key) {
		return &Error{Type: TypeInvalidSignature, Message: msgSignatureMismatch}
	}
	if !cached {
		v.cache.add(scope, key)
	}
	return nil
}

// checkTime refuses a signature made too far ahead of the clock (beyond MaxSkew) or too
// long ago: beyond MaxSkew for a signed header, beyond X-Amz-Expires for a presigned URL.
func (v *Verifier) checkTime(s *signature) error {
	now := time.Now()
	if v.Clock != nil {
		now = v.Clock()
	}
	now = now.UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if latest := now.Add(skew); s.time.After(latest) {
		return invalid("Signature not yet current: %s is still later than %s (%s + %s)",
			s.amzDate, latest.Format(amzDateTime), now.Format(amzDateTime), describe(skew))
	}
	validity := skew
	if s.presigned {
		validity = s.expires
	}
	if earliest := now.Add(-validity); s.time.Before(earliest) {
		return invalid("Signature expired: %s is now earlier than %s (%s - %s)",
			s.amzDate, earliest.Format(amzDateTime), now.Format(amzDateTime), describe(validity))
	}
	return nil
}

// describe formats a skew the way AWS's messages do: "15 min.", or "300 sec.".
func describe(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec."
}

// payloadHash returns the hex SHA-256 of body. A signed X-Amz-Content-Sha256 header must
// state the same hash: UNSIGNED-PAYLOAD would leave the body, which carries the whole
// operation in Kinesis's and Firehose's JSON protocols, open to replacement, and
// STREAMING-* would need per-chunk signatures this package does not check.
func payloadHash(r *http.Request, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	claimed := r.Header.Values(headerContentSHA256)
	switch {
	case len(claimed) == 0:
		return hash, nil
	case len(claimed) > 1:
		return "", invalid("Only one 'x-amz-content-sha256' header is allowed.")
	case claimed[0] == "UNSIGNED-PAYLOAD" || strings.HasPrefix(claimed[0], "STREAMING-"):
		return "", invalid("'x-amz-content-sha256' '%s' is not supported: this service needs the SHA-256 of the "+
			"whole body signed.", claimed[0])
	case claimed[0] != hash:
		return "", invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return hash, nil
}

// matches reports whether s is the signature of r, trying each candidate canonical URI.
func (s *signature) matches(r *http.Request, query []queryParam, payloadHash string, key signingKey) bool {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var rest []byte // the canonical request after the URI
	rest = append(rest, '\n')
	rest = appendCanonicalQuery(rest, query)
	rest = append(rest, '\n')
	rest = appendCanonicalHeaders(rest, r, s.headerNames)
	rest = append(rest, '\n')
	rest = append(rest, s.signedHeaders...)
	rest = append(rest, '\n')
	rest = append(rest, payloadHash...)

	want := []byte(s.value)
	for _, uri := range canonicalURIs(r) {
		h := sha256.New()
		h.Write([]byte(method))
		h.Write([]byte{'\n'})
		h.Write([]byte(uri))
		h.Write(rest)
		canonicalHash := h.Sum(nil)

		toSign := make([]byte, 0, 128)
		toSign = append(toSign, algorithm+"\n"...)
		toSign = append(toSign, s.amzDate...)
		toSign = append(toSign, '\n')
		toSign = append(toSign, s.scope...)
		toSign = append(toSign, '\n')
		toSign = hex.AppendEncode(toSign, canonicalHash)

		mac := hmac.New(sha256.New, key[:])
		mac.Write(toSign)
		got := hex.AppendEncode(nil, mac.Sum(nil))
		if hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
