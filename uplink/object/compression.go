package object

import (
	"fmt"
	"strings"
)

// Compression is how an object's body is compressed. The zero value is
// None.
type Compression string

// The compressions an object destination writes.
const (
	None   Compression = ""
	Gzip   Compression = "gzip"
	Zstd   Compression = "zstd"
	Snappy Compression = "snappy"
)

// ParseCompression reads the delivery's `compression` key. It accepts the
// names in any case, "" and "none" for None, and Firehose's
// "UNCOMPRESSED", so a Firehose configuration can be copied over.
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "uncompressed":
		return None, nil
	case "gzip":
		return Gzip, nil
	case "zstd":
		return Zstd, nil
	case "snappy":
		return Snappy, nil
	}
	return None, fmt.Errorf("object: unknown compression %q (want gzip, zstd, snappy or none)", s)
}

// String returns the name ParseCompression reads back.
func (c Compression) String() string {
	if c == None {
		return "none"
	}
	return string(c)
}

// Extension is what Firehose appends to an object's name: ".gz", ".zst",
// ".snappy", or nothing for None.
func (c Compression) Extension() string {
	switch c {
	case Gzip:
		return ".gz"
	case Zstd:
		return ".zst"
	case Snappy:
		return ".snappy"
	}
	return ""
}

// ContentEncoding is the HTTP Content-Encoding an object of this
// compression carries ("" for None). Snappy has no registered
// content-coding; "x-snappy-framed" names the framing format the body is in.
func (c Compression) ContentEncoding() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Snappy:
		return "x-snappy-framed"
	}
	return ""
}
