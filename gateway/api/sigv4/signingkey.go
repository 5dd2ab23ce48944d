package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
)

// signingKeyCacheSize bounds the derived-key cache. A device serves a handful of keys in
// one or two regions; a key rotates daily with the date.
const signingKeyCacheSize = 64

// keyScope is what a derived signing key depends on. It holds the secret rather than the
// access key id so that changing a key's secret in Verifier.Keys cannot hit a stale entry.
type keyScope struct{ secret, date, region, service string }

type signingKey [sha256.Size]byte

// deriveSigningKey computes HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request").
func deriveSigningKey(k keyScope) signingKey {
	key := hmacSHA256([]byte("AWS4"+k.secret), k.date)
	key = hmacSHA256(key, k.region)
	key = hmacSHA256(key, k.service)
	return signingKey(hmacSHA256(key, terminator))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// signingKeyCache saves the four HMACs of deriveSigningKey per request. Only keys that
// verified a signature are added, so requests with made-up regions cannot churn it.
type signingKeyCache struct {
	mu   sync.Mutex
	keys map[keyScope]signingKey
}

func (c *signingKeyCache) get(k keyScope) (signingKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, ok := c.keys[k]
	return key, ok
}

func (c *signingKeyCache) add(k keyScope, key signingKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[keyScope]signingKey)
	}
	if len(c.keys) >= signingKeyCacheSize {
		for old := range c.keys { // evict an arbitrary entry
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = key
}
