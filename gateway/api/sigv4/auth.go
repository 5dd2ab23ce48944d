package sigv4

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm    = "AWS4-HMAC-SHA256"
	terminator   = "aws4_request"
	amzDateTime  = "20060102T150405Z"
	scopeDate    = "20060102"
	maxPresigned = 7 * 24 * time.Hour // AWS's limit on X-Amz-Expires

	headerAuthorization = "Authorization"
	headerDate          = "X-Amz-Date"
	headerContentSHA256 = "X-Amz-Content-Sha256"
	headerSecurityToken = "X-Amz-Security-Token"

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// signature is what a request claims about itself, from its Authorization header or its
// presigned query parameters, checked for shape but not yet for truth.
type signature struct {
	keyID         string
	scope         string // date/region/service/aws4_request, as signed
	scopeDate     string
	region        string
	service       string
	signedHeaders string // as signed
	headerNames   []string
	value         string // hex, as sent
	amzDate       string // as signed
	time          time.Time
	presigned     bool
	expires       time.Duration // presigned only
	sessionToken  bool
}

// parseSignature finds and parses r's signature.
func parseSignature(r *http.Request, query []queryParam) (*signature, error) {
	var authorization []string
	for _, a := range r.Header.Values(headerAuthorization) {
		if strings.TrimSpace(a) != "" { // a blank header is no signature at all
			authorization = append(authorization, a)
		}
	}
	presigned := len(lookup(query, paramAlgorithm))+len(lookup(query, paramCredential))+
		len(lookup(query, paramSignature)) > 0
	var (
		s   *signature
		err error
	)
	switch {
	case len(authorization) > 0 && presigned:
		return nil, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter " +
			"or the Authorization header should be specified.")
	case len(authorization) > 1:
		return nil, incomplete("Only one Authorization header is allowed.")
	case len(authorization) == 1:
		s, err = parseAuthorization(authorization[0], r.Header.Values(headerDate))
	case presigned:
		s, err = parsePresigned(query)
	default:
		return nil, incomplete(msgMissingToken)
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkSignedHeaders(r); err != nil {
		return nil, err
	}
	s.sessionToken = len(r.Header.Values(headerSecurityToken))+len(lookup(query, paramSecurityToken)) > 0
	return s, nil
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".
func parseAuthorization(header string, dates []string) (*signature, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != algorithm {
		return nil, incomplete("Unsupported AWS 'algorithm': '%s'.", alg)
	}
	parts := map[string]string{}
	for pair := range strings.SplitSeq(rest, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.",
				pair, header)
		}
		if _, dup := parts[name]; dup {
			return nil, incomplete("Authorization header has '%s' more than once: '%s'.", name, header)
		}
		parts[name] = value
	}
	var missing []string
	for _, name := range []string{"Credential", "Signature", "SignedHeaders"} {
		if parts[name] == "" {
			missing = append(missing, "Authorization header requires '"+name+"' parameter.")
		}
	}
	if len(dates) != 1 {
		missing = append(missing, "Authorization header requires exactly one 'X-Amz-Date' header.")
	}
	if len(missing) > 0 {
		return nil, incomplete("%s Authorization=%s", strings.Join(missing, " "), header)
	}
	return newSignature(parts["Credential"], parts["SignedHeaders"], parts["Signature"], dates[0])
}

// parsePresigned parses the X-Amz-* query parameters of a presigned URL.
func parsePresigned(query []queryParam) (*signature, error) {
	names := []string{paramAlgorithm, paramCredential, paramSignature, paramDate, paramSignedHeaders, paramExpires}
	values := make(map[string]string, len(names))
	for _, name := range names {
		v := lookup(query, name)
		if len(v) != 1 || v[0] == "" {
			return nil, incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', and 'X-Amz-Expires', each once. " +
				"Re-examine the query-string parameters.")
		}
		values[name] = v[0]
	}
	if alg := values[paramAlgorithm]; alg != algorithm {
		return nil, incomplete("Unsupported AWS 'algorithm': '%s'.", alg)
	}
	seconds, err := strconv.ParseInt(values[paramExpires], 10, 64)
	if err != nil || seconds < 1 || seconds > int64(maxPresigned/time.Second) {
		return nil, incomplete("X-Amz-Expires must be a whole number of seconds from 1 to %d, not '%s'.",
			int64(maxPresigned/time.Second), values[paramExpires])
	}
	s, err := newSignature(values[paramCredential], values[paramSignedHeaders], values[paramSignature], values[paramDate])
	if err != nil {
		return nil, err
	}
	s.presigned = true
	s.expires = time.Duration(seconds) * time.Second
	return s, nil
}

func newSignature(credential, signedHeaders, value, amzDate string) (*signature, error) {
	s := &signature{signedHeaders: signedHeaders, value: value, amzDate: amzDate}
	// The scope is the last four parts, so an access key id may itself contain '/'.
	parts := strings.Split(credential, "/")
	if len(parts) < 5 || slices.Contains(parts, "") {
		return nil, incomplete("Credential must have the form <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request, "+
			"not '%s'.", credential)
	}
	n := len(parts)
	s.keyID = strings.Join(parts[:n-4], "/")
	s.scope = strings.Join(parts[n-4:], "/")
	s.scopeDate, s.region, s.service = parts[n-4], parts[n-3], parts[n-2]
	if _, err := time.Parse(scopeDate, s.scopeDate); err != nil || len(s.scopeDate) != len(scopeDate) {
		return nil, incomplete("Credential should be scoped to a date in the form YYYYMMDD, not '%s'.", s.scopeDate)
	}
	if parts[n-1] != terminator {
		return nil, incomplete("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, parts[n-1])
	}
	t, err := time.Parse(amzDateTime, amzDate)
	if err != nil || t.Format(amzDateTime) != amzDate {
		return nil, incomplete("X-Amz-Date must be in the ISO 8601 basic form YYYYMMDD'T'HHMMSS'Z', not '%s'.", amzDate)
	}
	s.time = t
	for name := range strings.SplitSeq(signedHeaders, ";") {
		if name == "" {
			return nil, incomplete("SignedHeaders must be header names separated by ';', not '%s'.", signedHeaders)
		}
		s.headerNames = append(s.headerNames, name)
	}
	return s, nil
}

// checkSignedHeaders insists that host (or HTTP/2's :authority) and every x-amz-* header
// sent are signed. An unsigned X-Amz-Target, say, would let anyone replay a captured
// request within the skew window as another operation on the same body. Every AWS SDK
// and the CLI sign all of these.
func (s *signature) checkSignedHeaders(r *http.Request) error {
	signed := make(map[string]bool, len(s.headerNames))
	for _, name := range s.headerNames {
		signed[strings.ToLower(name)] = true
	}
	// Over HTTP/2 the host travels as the :authority pseudo-header, which the AWS SDK
	// for JavaScript v3 signs under that name instead of Host.
	if !signed["host"] && !signed[":authority"] {
		return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	var unsigned []string
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !signed[lower] {
			unsigned = append(unsigned, lower)
		}
	}
	if len(unsigned) > 0 {
		slices.Sort(unsigned)
		return incomplete("There were headers present in the request which were not signed: %s.", strings.Join(unsigned, ", "))
	}
	return nil
}
