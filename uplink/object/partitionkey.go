package object

import (
	"crypto/sha256"
	"encoding/hex"
)

// EmptyPartitionKey is what an empty partition key becomes in an object
// name: Hive's name for a partition without a value, which Athena and Glue
// know.
const EmptyPartitionKey = "__HIVE_DEFAULT_PARTITION__"

// maxEscapedKey bounds a partition key in an object name, so a long key
// cannot push the evaluated prefix past Firehose's 512 characters.
const maxEscapedKey = 200

// EscapePartitionKey makes a partition key safe as one path segment of an
// object name, in a local directory as in a bucket: letters, digits and
// - _ . = stay, every other byte becomes %XX (as Hive escapes partition
// values), and "." or ".." are escaped whole. Distinct keys stay distinct;
// a key longer than 200 characters once escaped is cut and ends in "~" and
// a hash of the whole key.
func EscapePartitionKey(key string) string {
	if key == "" {
		return EmptyPartitionKey
	}
	const hexdigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		if keepInKey(c) && key != "." && key != ".." {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexdigits[c>>4], hexdigits[c&15])
	}
	if len(b) <= maxEscapedKey {
		return string(b)
	}
	cut := maxEscapedKey - 17
	// Do not split a %XX escape.
	for i := cut - 1; i >= cut-2 && i >= 0; i-- {
		if b[i] == '%' {
			cut = i
		}
	}
	h := sha256.Sum256([]byte(key))
	return string(b[:cut]) + "~" + hex.EncodeToString(h[:8])
}

func keepInKey(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '='
}
