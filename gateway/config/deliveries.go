package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/uplink"
)

// DeliverySpec is one entry of `deliveries:`: a stream (or several) forwarded to a
// destination, Firehose-style.
type DeliverySpec struct {
	Name string `yaml:"name"`
	// From is a stream name or a list of them.
	From StringList `yaml:"from"`
	// Start is where a new delivery begins: trim_horizon (default), latest, or
	// at_timestamp with StartTime (RFC 3339).
	Start     string      `yaml:"start"`
	StartTime string      `yaml:"start_time"`
	To        Destination `yaml:"to"`
	Buffer    BufferHints `yaml:"buffer"`
	Transform *Transform  `yaml:"transform"`
	Format    string      `yaml:"format"`
	// Compression (gzip, zstd, snappy, none) is handed to destinations that
	// compress: file, s3, http (gzip only).
	Compression      string    `yaml:"compression"`
	Priority         int       `yaml:"priority"`
	Bandwidth        ByteSize  `yaml:"bandwidth"` // per second; 0: no cap
	Retry            RetrySpec `yaml:"retry"`
	DeadLetterStream string    `yaml:"dead_letter_stream"`
	// ClipLength is the length of the MP4 objects of a delivery from a
	// camera (from: camera/NAME).
	ClipLength Duration `yaml:"clip_length"`
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

// Destination is `to:`: a registered destination type and that type's
// configuration.
type Destination struct {
	Type   string
	Config uplink.DestinationConfig
}

// UnmarshalYAML reads `type`, then decodes the other keys strictly into that
// type's configuration, so that a key another type would take is an unknown
// field here, reported at its own position.
func (d *Destination) UnmarshalYAML(node ast.Node) error {
	name, cfg, err := uplink.DestinationSection().Decode(node)
	if err != nil {
		return err
	}
	d.Type, d.Config = name, cfg.(uplink.DestinationConfig)
	return nil
}

// Transform is `transform:`: a registered transform type and that type's
// configuration.
type Transform struct {
	Type   string
	Config uplink.TransformConfig
}

// UnmarshalYAML reads `type`, then decodes the other keys strictly into that
// type's configuration.
func (t *Transform) UnmarshalYAML(node ast.Node) error {
	name, cfg, err := uplink.TransformSection().Decode(node)
	if err != nil {
		return err
	}
	t.Type, t.Config = name, cfg.(uplink.TransformConfig)
	return nil
}

// Spec turns the entry into the uplink engine's definition. The destination's
// compression, when its own key is empty, is the delivery's.
func (d DeliverySpec) Spec() (uplink.Spec, error) {
	s := uplink.Spec{
		Name: d.Name, From: d.From, Start: d.Start,
		BufferSize: int64(d.Buffer.Size), BufferInterval: time.Duration(d.Buffer.Interval),
		Format: d.Format, Compression: d.Compression, Priority: d.Priority,
		Bandwidth: int64(d.Bandwidth), RetryDuration: time.Duration(d.Retry.Duration),
		DeadLetterStream: d.DeadLetterStream, DestinationType: d.To.Type, ClipLength: time.Duration(d.ClipLength),
	}
	if d.StartTime != "" {
		t, err := time.Parse(time.RFC3339, d.StartTime)
		if err != nil {
			return s, fmt.Errorf("%w: start_time: %q is not an RFC 3339 time such as 2026-11-28T07:00:00Z", uplink.ErrConfig, d.StartTime)
		}
		s.StartTime = t
	}
	if d.To.Config == nil {
		return s, fmt.Errorf("%w: to: needs a type (%s)", uplink.ErrConfig, strings.Join(uplink.DestinationTypes(), ", "))
	}
	s.Destination = d.To.Config
	if c, ok := d.To.Config.(uplink.Compressing); ok && d.Compression != "" {
		dest, err := c.WithCompression(d.Compression)
		if err != nil {
			return s, err
		}
		s.Destination = dest
	}
	if d.Transform != nil {
		s.Transform, s.TransformType = d.Transform.Config, d.Transform.Type
	}
	return s.WithDefaults(), nil
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
		if err == nil {
			err = s.Destination.(uplink.DestinationConfig).Validate()
			if err != nil {
				path += ".to"
			}
		}
		if err == nil && d.Transform != nil {
			err = d.Transform.Config.Validate()
			path += ".transform"
		}
		if err != nil {
			p.add(path, "%s", strings.TrimPrefix(err.Error(), uplink.ErrConfig.Error()+": "))
		}
	}
}

// ParseDelivery reads one delivery (what the REST API takes: JSON, or YAML as under
// `deliveries:`), checked as the configuration file's entries are. Environment
// variables do not apply: neither the TIDEGATE_* overrides nor ${…} references, which
// are refused, so that whoever may post a delivery cannot read the gateway's
// environment through it.
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
	c, err := parse(filename, doc, nil, nil)
	if err != nil {
		return DeliverySpec{}, err
	}
	if len(c.Deliveries) != 1 {
		return DeliverySpec{}, fmt.Errorf("config: %s: expected one delivery", filename)
	}
	return c.Deliveries[0], nil
}
