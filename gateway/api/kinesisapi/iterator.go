package kinesisapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// iteratorTTL is how long a shard iterator stays valid, as in Kinesis.
const iteratorTTL = 5 * time.Minute

// A shard iterator is, base64url-encoded:
//
//	version (1) | stream id (8) | shard (4) | position (8) | issued, Unix ms (8) | stream name | HMAC-SHA256 (32)
//
// The MAC covers everything before it, so a client can neither move an
// iterator nor extend its life.
const (
	iteratorVersion = 1
	iteratorHeader  = 1 + 8 + 4 + 8 + 8
	iteratorMAC     = sha256.Size
	// maxIteratorLen bounds what decodeIterator looks at: a 128-character
	// name makes 189 bytes, 252 characters (Kinesis allows 512).
	maxIteratorLen = 512
)

// iterator is a decoded shard iterator.
type iterator struct {
	stream string
	cursor shards.Cursor
	issued time.Time
}

// iteratorKey returns IteratorKey, or a random key made once when none is
// set (iterators then do not survive a restart).
func (a *API) iteratorKey() []byte {
	a.keyOnce.Do(func() {
		if len(a.IteratorKey) > 0 {
			a.key = a.IteratorKey
			return
		}
		a.key = make([]byte, 32)
		rand.Read(a.key)
	})
	return a.key
}

func (a *API) encodeIterator(stream string, c shards.Cursor) string {
	buf := make([]byte, iteratorHeader, iteratorHeader+len(stream)+iteratorMAC)
	buf[0] = iteratorVersion
	binary.BigEndian.PutUint64(buf[1:], uint64(c.StreamID))
	binary.BigEndian.PutUint32(buf[9:], uint32(c.Shard))
	binary.BigEndian.PutUint64(buf[13:], c.Pos)
	binary.BigEndian.PutUint64(buf[21:], uint64(a.now().UnixMilli()))
	buf = append(buf, stream...)
	mac := hmac.New(sha256.New, a.iteratorKey())
	mac.Write(buf)
	buf = mac.Sum(buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func invalidIterator() *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, "Invalid ShardIterator.")
}

// decodeIterator verifies and decodes a shard iterator: a forged, damaged or
// foreign one is InvalidArgumentException, an old one
// ExpiredIteratorException.
func (a *API) decodeIterator(s string) (iterator, error) {
	if len(s) == 0 || len(s) > maxIteratorLen {
		return iterator{}, invalidIterator()
	}
	buf, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(buf) < iteratorHeader+1+iteratorMAC || buf[0] != iteratorVersion {
		return iterator{}, invalidIterator()
	}
	body, sum := buf[:len(buf)-iteratorMAC], buf[len(buf)-iteratorMAC:]
	mac := hmac.New(sha256.New, a.iteratorKey())
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return iterator{}, invalidIterator()
	}
	it := iterator{
		stream: string(body[iteratorHeader:]),
		cursor: shards.Cursor{
			StreamID: int64(binary.BigEndian.Uint64(body[1:])),
			Shard:    int(binary.BigEndian.Uint32(body[9:])),
			Pos:      binary.BigEndian.Uint64(body[13:]),
		},
		issued: time.UnixMilli(int64(binary.BigEndian.Uint64(body[21:]))),
	}
	if now := a.now(); now.Sub(it.issued) > iteratorTTL {
		return iterator{}, awsjson.NewError(errExpiredIterator,
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			javaDate(it.issued), javaDate(now), iteratorTTL.Milliseconds())
	}
	return it, nil
}

// javaDate formats like java.util.Date.toString in UTC, as Kinesis's
// messages do: "Thu Jan 22 01:22:02 UTC 2015".
func javaDate(t time.Time) string { return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006") }

func (a *API) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock()
}
