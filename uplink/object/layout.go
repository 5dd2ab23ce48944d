package object

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tidegate/tidegate/uplink"
)

// Limits Firehose sets on prefixes: the configured text, and the prefix once
// evaluated.
const (
	MaxPrefixLength    = 1024
	MaxEvaluatedPrefix = 512
)

// ErrPrefixTooLong: an evaluated prefix is longer than Firehose allows
// (512 characters). Retrying cannot shorten it: Objects returns it marked
// uplink.Permanent.
var ErrPrefixTooLong = errors.New("object: evaluated prefix longer than 512 characters")

// defaultTime is what Firehose appends to a prefix that has no timestamp
// expression.
var defaultTime = mustParsePrefix("!{timestamp:yyyy/MM/dd/HH/}")

func mustParsePrefix(s string) *Prefix {
	p, err := ParsePrefix(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Layout names a delivery's objects: its prefix, its error prefix and its
// compression, validated together as Firehose validates Prefix and
// ErrorOutputPrefix.
type Layout struct {
	prefix      *Prefix
	errorPrefix *Prefix
	comp        Compression
}

// NewLayout checks prefix and errorPrefix (the `prefix` and `error_prefix`
// config keys) by Firehose's rules and returns their Layout. Errors wrap
// uplink.ErrConfig and name the key:
//   - !{firehose:error-output-type} appears only in error_prefix;
//   - when prefix holds expressions, error_prefix must be set;
//   - when either holds expressions, error_prefix must hold
//     !{firehose:error-output-type};
//   - neither is longer than 1024 characters.
//
// A prefix without a timestamp expression gets Firehose's default time part
// yyyy/MM/dd/HH/ appended, unless it holds !{partitionKey} (our partitioned
// layout, like Firehose's dynamic partitioning, is the user's own). An empty
// error prefix is Firehose's default: prefix, error output type, "/", and
// the time part.
func NewLayout(prefix, errorPrefix string, c Compression) (*Layout, error) {
	p, err := parseKey("prefix", prefix)
	if err != nil {
		return nil, err
	}
	ep, err := parseKey("error_prefix", errorPrefix)
	if err != nil {
		return nil, err
	}
	switch {
	case p.has(segErrorType):
		return nil, fmt.Errorf("%w: prefix %q: !{firehose:error-output-type} may only appear in error_prefix", uplink.ErrConfig, prefix)
	case p.HasExpressions() && errorPrefix == "":
		return nil, fmt.Errorf("%w: error_prefix: must be set when prefix %q holds expressions, and hold !{firehose:error-output-type} (for example errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/)", uplink.ErrConfig, prefix)
	case (p.HasExpressions() || ep.HasExpressions()) && !ep.has(segErrorType):
		return nil, fmt.Errorf("%w: error_prefix %q: must hold !{firehose:error-output-type} when either prefix holds expressions", uplink.ErrConfig, errorPrefix)
	}
	l := &Layout{prefix: p, errorPrefix: ep, comp: c}
	if !p.has(segTimestamp) && !p.has(segPartitionKey) {
		l.prefix = joinPrefixes(p, defaultTime)
	}
	if errorPrefix == "" {
		l.errorPrefix = joinPrefixes(p, &Prefix{segs: []segment{{kind: segErrorType}, {kind: segLiteral, text: "/"}}}, defaultTime)
	}
	return l, nil
}

func parseKey(key, s string) (*Prefix, error) {
	if len(s) > MaxPrefixLength {
		return nil, fmt.Errorf("%w: %s: longer than %d characters", uplink.ErrConfig, key, MaxPrefixLength)
	}
	p, err := ParsePrefix(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", uplink.ErrConfig, key, err)
	}
	return p, nil
}

func joinPrefixes(ps ...*Prefix) *Prefix {
	j := &Prefix{}
	for _, p := range ps {
		j.raw += p.raw
		j.segs = append(j.segs, p.segs...)
	}
	return j
}

// Compression is the layout's compression.
func (l *Layout) Compression() Compression { return l.comp }

// Object is one object a batch becomes: its key and the records in it.
type Object struct {
	Key string
	// PartitionKey is the escaped partition key the records share, when
	// the prefix holds !{partitionKey}; "" otherwise.
	PartitionKey string
	Records      []uplink.Record
	// Bytes is the sum of len(Records[i].Data).
	Bytes int
}

// Objects names the objects batch b is written to: one, or one per
// partition key when the prefix holds !{partitionKey}. A batch without
// records has none. An object's time, in its prefix and its name, is the
// arrival time of its oldest record.
func (l *Layout) Objects(b *uplink.Batch) ([]Object, error) {
	return l.objects(l.prefix, b, "")
}

// ErrorObjects names the objects error records are written to, under the
// error prefix with !{firehose:error-output-type} set to outputType.
func (l *Layout) ErrorObjects(b *uplink.Batch, outputType string) ([]Object, error) {
	if outputType == "" {
		return nil, fmt.Errorf("object: empty error output type")
	}
	return l.objects(l.errorPrefix, b, EscapePartitionKey(outputType))
}

func (l *Layout) objects(p *Prefix, b *uplink.Batch, outputType string) ([]Object, error) {
	if len(b.Records) == 0 {
		return nil, nil
	}
	if b.ID == "" {
		return nil, fmt.Errorf("object: batch of delivery %q has no ID", b.Delivery)
	}
	var groups []Group
	if p.has(segPartitionKey) {
		groups = GroupByPartitionKey(b.Records)
	} else {
		groups = []Group{{Records: b.Records}}
	}
	objs := make([]Object, 0, len(groups))
	for _, g := range groups {
		seed := b.ID + "\x00" + outputType + "\x00" + g.Key
		at := oldestArrival(g.Records, b.Created)
		evaluated := p.Evaluate(Values{Time: at, Seed: seed, ErrorOutputType: outputType, PartitionKey: g.Key})
		if len(evaluated) > MaxEvaluatedPrefix {
			return nil, uplink.Permanent("PrefixTooLong", fmt.Errorf("%w: %q", ErrPrefixTooLong, clip(evaluated)))
		}
		o := Object{
			Key:          evaluated + suffix(b.Delivery, at, seed) + l.comp.Extension(),
			PartitionKey: g.Key,
			Records:      g.Records,
		}
		for i := range g.Records {
			o.Bytes += len(g.Records[i].Data)
		}
		objs = append(objs, o)
	}
	return objs, nil
}

// oldestArrival is an object's time, as Firehose has it: the arrival time
// of its oldest record, so that a backlog sent after an outage is filed
// under the hours its records arrived in, not the hour it was sent. A
// batch whose records carry no arrival time has its creation time.
func oldestArrival(recs []uplink.Record, fallback time.Time) time.Time {
	var t time.Time
	for i := range recs {
		if a := recs[i].Arrival; !a.IsZero() && (t.IsZero() || a.Before(t)) {
			t = a
		}
	}
	if t.IsZero() {
		return fallback
	}
	return t
}

// suffix is Firehose's object name after the prefix:
// <delivery>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>. The version
// is always 1 (Firehose counts configuration changes; we have no such
// history), the uuid is derived from the seed.
func suffix(delivery string, created time.Time, seed string) string {
	name := delivery
	if name != "" {
		name = EscapePartitionKey(delivery)
	}
	return name + "-1-" + created.UTC().Format("2006-01-02-15-04-05") + "-" + stableUUID(seed)
}

// stableUUID formats a hash of seed as a UUID (version 8, the RFC 9562
// version for custom layouts), in place of Firehose's random one.
func stableUUID(seed string) string {
	h := sha256.Sum256([]byte("object\x00" + seed))
	u := [16]byte(h[:16])
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return uuid.UUID(u).String()
}
