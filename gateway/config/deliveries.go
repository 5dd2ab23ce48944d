package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/endpoint"
	"github.com/tidegate/tidegate/uplink/file"
	"github.com/tidegate/tidegate/uplink/firehose"
	"github.com/tidegate/tidegate/uplink/kafka"
	"github.com/tidegate/tidegate/uplink/kinesis"
	"github.com/tidegate/tidegate/uplink/nats"
	"github.com/tidegate/tidegate/uplink/s3"
	"github.com/tidegate/tidegate/uplink/transform"
)

// DeliverySpec is one entry of `deliveries:`: a stream (or several) forwarded to a
// destination, Firehose-style.
type DeliverySpec struct {
	Name string `yaml:"name"`
	// From is a stream name or a list of them.
	From StringList `yaml:"from"`
	// Start is where a new delivery begins: trim_horizon (default), latest, or
	// at_timestamp with StartTime (RFC 3339).
	Start     string            `yaml:"start"`
	StartTime string            `yaml:"start_time"`
	To        Destination       `yaml:"to"`
	Buffer    BufferHints       `yaml:"buffer"`
	Transform *transform.Config `yaml:"transform"`
	Format    string            `yaml:"format"`
	// Compression (gzip, zstd, snappy, none) is handed to destinations that
	// compress: file, s3, http (gzip only).
	Compression      string    `yaml:"compression"`
	Priority         int       `yaml:"priority"`
	Bandwidth        ByteSize  `yaml:"bandwidth"` // per second; 0: no cap
	Retry            RetrySpec `yaml:"retry"`
	DeadLetterStream string    `yaml:"dead_letter_stream"`
}

// BufferHints are Firehose's buffering hints: whichever comes first.
type BufferHints struct {
	Size     ByteSize `yaml:"size"`
	Interval Duration `yaml:"interval"`
}

// RetrySpec is how long refused records are retried before the dead-letter stream.
type RetrySpec struct {
	Duration Duration `yaml:"duration"`
}

// StringList is a YAML scalar or sequence of strings.
type StringList []string

// UnmarshalYAML takes "a" as ["a"].
func (l *StringList) UnmarshalYAML(node ast.Node) error {
	if node.Type() == ast.StringType {
		*l = StringList{node.(*ast.StringNode).Value}
		return nil
	}
	var s []string
	if err := yaml.NodeToValue(node, &s, decodeOptions...); err != nil {
		return err
	}
	*l = s
	return nil
}

// destinationTypes maps `to.type` to a new configuration of that destination. Each is
// decoded strictly from the keys under `to:` other than `type`.
var destinationTypes = map[string]func() DestinationConfig{
	"file":     func() DestinationConfig { return &file.Config{} },
	"s3":       func() DestinationConfig { return &s3.Config{} },
	"kinesis":  func() DestinationConfig { return &kinesis.Config{} },
	"firehose": func() DestinationConfig { return &firehose.Config{} },
	"http":     func() DestinationConfig { return &endpoint.Config{} },
	"kafka":    func() DestinationConfig { return &kafka.Config{} },
	"nats":     func() DestinationConfig { return &nats.Config{} },
}

// DestinationConfig is a destination package's Config.
type DestinationConfig interface{ Validate() error }

// Destination is `to:`: a type and that destination's settings.
type Destination struct {
	Type   string
	Config DestinationConfig
}

// UnmarshalYAML reads `type`, then decodes the other keys into that type's Config, so
// that a key another type would take is still an unknown field here.
func (d *Destination) UnmarshalYAML(node ast.Node) error {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return nodeError(node, "expected a mapping with a type, got "+describeNode(node))
	}
	rest := *m
	rest.Values = nil
	for _, kv := range m.Values {
		if kv.Key.GetToken().Value == "type" {
			if err := yaml.NodeToValue(kv.Value, &d.Type, decodeOptions...); err != nil {
				return err
			}
			continue
		}
		rest.Values = append(rest.Values, kv)
	}
	mk, ok := destinationTypes[d.Type]
	if !ok {
		return nodeError(node, fmt.Sprintf("to.type %q is not one of %s", d.Type, strings.Join(DestinationTypes(), ", ")))
	}
	d.Config = mk()
	return yaml.NodeToValue(&rest, d.Config, decodeOptions...)
}

// DestinationTypes lists the destination types, sorted.
func DestinationTypes() []string {
	out := make([]string, 0, len(destinationTypes))
	for k := range destinationTypes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Spec turns the entry into the uplink engine's definition. The destination's
// compression, when its own key is empty, is the delivery's.
func (d DeliverySpec) Spec() (uplink.Spec, error) {
	s := uplink.Spec{
		Name: d.Name, From: d.From, Start: d.Start,
		BufferSize: int64(d.Buffer.Size), BufferInterval: time.Duration(d.Buffer.Interval),
		Format: d.Format, Compression: d.Compression, Priority: d.Priority,
		Bandwidth: int64(d.Bandwidth), RetryDuration: time.Duration(d.Retry.Duration),
		DeadLetterStream: d.DeadLetterStream, DestinationType: d.To.Type,
	}
	if d.StartTime != "" {
		t, err := time.Parse(time.RFC3339, d.StartTime)
		if err != nil {
			return s, fmt.Errorf("%w: start_time: %q is not an RFC 3339 time such as 2026-11-28T07:00:00Z", uplink.ErrConfig, d.StartTime)
		}
		s.StartTime = t
	}
	if d.To.Config == nil {
		return s, fmt.Errorf("%w: to: needs a type (%s)", uplink.ErrConfig, strings.Join(DestinationTypes(), ", "))
	}
	s.Destination = withCompression(d.To.Config, d.Compression)
	if d.Transform != nil {
		s.Transform = d.Transform
	}
	return s.WithDefaults(), nil
}

// withCompression copies the delivery's compression into destinations that compress.
func withCompression(c DestinationConfig, comp string) DestinationConfig {
	if comp == "" {
		return c
	}
	switch c := c.(type) {
	case *file.Config:
		cc := *c
		if cc.Compression == "" {
			cc.Compression = comp
		}
		return &cc
	case *s3.Config:
		cc := *c
		if cc.Compression == "" {
			cc.Compression = comp
		}
		return &cc
	case *endpoint.Config:
		cc := *c
		if cc.Compression == "" {
			cc.Compression = comp
		}
		return &cc
	case *kafka.Config:
		cc := *c
		if cc.Compression == "" {
			cc.Compression = comp
		}
		return &cc
	}
	return c
}

func (c *Config) validateDeliveries(p *problems) {
	names := map[string]int{}
	for i, d := range c.Deliveries {
		path := fmt.Sprintf("deliveries[%d]", i)
		if j, dup := names[d.Name]; dup {
			p.add(path+".name", "duplicate delivery %q: deliveries[%d] already has that name", d.Name, j)
		}
		names[d.Name] = i
		s, err := d.Spec()
		if err == nil {
			err = s.Validate()
		}
		if err == nil && d.To.Type == "nats" && d.Compression != "" && d.Compression != "none" {
			err = fmt.Errorf("compression: NATS messages are not compressed; remove compression: %s", d.Compression)
		}
		if err == nil {
			err = s.Destination.(DestinationConfig).Validate()
			if err != nil {
				path += ".to"
			}
		}
		if err == nil && d.Transform != nil {
			err = d.Transform.Validate()
			path += ".transform"
		}
		if err != nil {
			p.add(path, "%s", strings.TrimPrefix(err.Error(), uplink.ErrConfig.Error()+": "))
		}
	}
}

// ParseDelivery reads one delivery (what the REST API takes: JSON, or YAML as under
// `deliveries:`), checked as the configuration file's entries are. Environment
// variables do not apply.
func ParseDelivery(filename string, data []byte) (DeliverySpec, error) {
	var doc []byte
	if t := strings.TrimSpace(string(data)); strings.HasPrefix(t, "{") {
		doc = []byte(`{"deliveries": [` + t + "\n]}")
	} else {
		var b strings.Builder
		b.WriteString("deliveries:\n  -\n")
		for _, line := range strings.Split(string(data), "\n") {
			b.WriteString("    " + line + "\n")
		}
		doc = []byte(b.String())
	}
	c, err := Parse(filename, doc, nil)
	if err != nil {
		return DeliverySpec{}, err
	}
	if len(c.Deliveries) != 1 {
		return DeliverySpec{}, fmt.Errorf("config: %s: expected one delivery", filename)
	}
	return c.Deliveries[0], nil
}
