package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// queryParam is one decoded name=value pair of a query string, in the order sent.
type queryParam struct{ name, value string }

// parseQuery splits a raw query string the way AWS signers build it: pairs separated by
// '&' (never ';'), each percent-decoded. Empty pairs are dropped, as url.ParseQuery does.
func parseQuery(raw string) ([]queryParam, error) {
	var params []queryParam
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, incomplete("Query string parameter %q is not validly percent-encoded.", rawName)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, incomplete("Query string parameter %q has a value that is not validly percent-encoded.", name)
		}
		params = append(params, queryParam{name, value})
	}
	return params, nil
}

// lookup returns the values of the parameters called name.
func lookup(params []queryParam, name string) []string {
	var values []string
	for _, p := range params {
		if p.name == name {
			values = append(values, p.value)
		}
	}
	return values
}

// appendCanonicalQuery appends the canonical query string: every parameter except
// X-Amz-Signature (which a presigned URL cannot sign), names and values URI-encoded,
// sorted by encoded name, then by encoded value.
func appendCanonicalQuery(dst []byte, params []queryParam) []byte {
	encoded := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.name == paramSignature {
			continue
		}
		encoded = append(encoded, queryParam{uriEncode(p.name), uriEncode(p.value)})
	}
	slices.SortFunc(encoded, func(a, b queryParam) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	for i, p := range encoded {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.name...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// canonicalURIs returns the canonical URI of r, and, if RFC 3986 normalisation changes the
// path, the canonical URI of the normalised path as a second candidate.
//
// Both forms start from the path exactly as it was sent, which is already percent-encoded
// once, and encode it once more: that is SigV4's double encoding for every service but S3
// ("/a b" travels as "/a%20b" and is signed as "/a%2520b"). aws-sdk-go-v2 signs the path
// as sent; AWS's specification, botocore and the other SDKs sign it with "." and ".."
// segments resolved and repeated slashes collapsed. Accepting either keeps every client
// working; Kinesis and Firehose only ever use "/".
func canonicalURIs(r *http.Request) []string {
	path := sentPath(r)
	uris := []string{uriEncodePath(path)}
	if normal := normalizePath(path); normal != path {
		uris = append(uris, uriEncodePath(normal))
	}
	return uris
}

// sentPath returns r's path as it appeared on the wire: from RequestURI on the server
// side (HTTP/2's :path included), otherwise from the URL, which is how a client sends it.
func sentPath(r *http.Request) string {
	path := r.URL.EscapedPath()
	if strings.HasPrefix(r.RequestURI, "/") {
		path, _, _ = strings.Cut(r.RequestURI, "?")
	}
	if path == "" {
		return "/"
	}
	return path
}

// normalizePath resolves "." and ".." segments and collapses repeated slashes, keeping a
// trailing slash, as the AWS SigV4 test suite's normalize-path cases require.
func normalizePath(path string) string {
	var segments []string
	for s := range strings.SplitSeq(path, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segments) > 0 {
				segments = segments[:len(segments)-1]
			}
		default:
			segments = append(segments, s)
		}
	}
	normal := "/" + strings.Join(segments, "/")
	if len(segments) > 0 && strings.HasSuffix(path, "/") {
		normal += "/"
	}
	return normal
}

// appendCanonicalHeaders appends one "name:value\n" line per signed header, in the order
// of SignedHeaders (which the signer also used): values trimmed, inner runs of spaces
// collapsed, repeated headers joined with commas.
func appendCanonicalHeaders(dst []byte, r *http.Request, names []string) []byte {
	for _, name := range names {
		dst = append(dst, name...)
		dst = append(dst, ':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTrimmed(dst, v)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// headerValues returns the values of the header name. Go keeps the Host header in
// r.Host (HTTP/2's :authority too, which the JavaScript SDK v3 signs by that name), so
// both are taken from there. A request built in process
// rather than received may keep Content-Length in r.ContentLength only, and header names
// not in canonical form, which is all a signer sees.
func headerValues(r *http.Request, name string) []string {
	if strings.EqualFold(name, "host") || name == ":authority" {
		if r.Host != "" {
			return []string{r.Host}
		}
		return []string{r.URL.Host}
	}
	if values := r.Header.Values(name); len(values) > 0 {
		return values
	}
	for key, values := range r.Header {
		if strings.EqualFold(key, name) {
			return values
		}
	}
	if strings.EqualFold(name, "content-length") && r.ContentLength > 0 {
		return []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	return nil
}

// appendTrimmed appends v without leading and trailing whitespace and with every run of
// spaces inside it collapsed to one.
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

// uriEncode percent-encodes every byte of s except the unreserved characters of RFC 3986
// (A-Z a-z 0-9 - . _ ~), with upper-case hex digits, as SigV4 requires.
func uriEncode(s string) string { return string(appendURIEncoded(nil, s, false)) }

// uriEncodePath is uriEncode leaving '/' alone.
func uriEncodePath(s string) string { return string(appendURIEncoded(nil, s, true)) }

func appendURIEncoded(dst []byte, s string, keepSlash bool) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
