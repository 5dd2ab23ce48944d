package decode

import (
	"sort"
	"strings"
)

// Config is a decoder as the YAML configuration names it, e.g.
//
//	decoder:
//	  type: json
//	  fields: {temperature: env.t, humidity: env.h}
//	  device_field: id
//	  time_field: ts
//	  time_format: unix_ms
type Config struct {
	// Type is json, number, csv, raw or sparkplug.
	Type string `yaml:"type"`
	// Fields selects and renames (json, csv): output name → input path.
	Fields map[string]string `yaml:"fields"`
	// DeviceField takes the device id from a field (json, csv).
	DeviceField string `yaml:"device_field"`
	// TimeField takes the measurement time from a field (json, csv).
	TimeField string `yaml:"time_field"`
	// TimeFormat is unix, unix_ms or rfc3339; empty tries each.
	TimeFormat string `yaml:"time_format"`
	// Field names the value of a number payload; default "value".
	Field string `yaml:"field"`
}

// Decoder types a Config may name.
const (
	TypeJSON      = "json"
	TypeNumber    = "number"
	TypeCSV       = "csv"
	TypeRaw       = "raw"
	TypeSparkplug = "sparkplug"
)

// New validates c and builds its decoder. Sparkplug B keeps per-node
// session state and answers with commands, so it is built by
// devices/sparkplug (sparkplug.NewDecoder), not here.
func New(c Config) (Decoder, error) {
	switch c.Type {
	case TypeJSON, TypeCSV:
		if err := c.only(c.Type, "fields", "device_field", "time_field", "time_format"); err != nil {
			return nil, err
		}
		if err := c.checkSelection(); err != nil {
			return nil, err
		}
		if c.Type == TypeJSON {
			return &JSON{Fields: c.Fields, DeviceField: c.DeviceField, TimeField: c.TimeField, TimeFormat: TimeFormat(c.TimeFormat)}, nil
		}
		return &CSV{Fields: c.Fields, DeviceField: c.DeviceField, TimeField: c.TimeField, TimeFormat: TimeFormat(c.TimeFormat)}, nil
	case TypeNumber:
		if err := c.only(c.Type, "field"); err != nil {
			return nil, err
		}
		return &Number{Field: c.Field}, nil
	case TypeRaw:
		if err := c.only(c.Type); err != nil {
			return nil, err
		}
		return Raw{}, nil
	case TypeSparkplug:
		return nil, configErrorf("type sparkplug keeps session state: build it with devices/sparkplug.NewDecoder")
	case "":
		return nil, configErrorf("type is required: json, number, csv, raw or sparkplug")
	}
	return nil, configErrorf("type %q is unknown: want json, number, csv, raw or sparkplug", c.Type)
}

// only refuses options that the decoder type would silently ignore.
func (c Config) only(typ string, allowed ...string) error {
	set := map[string]bool{
		"fields":       len(c.Fields) > 0,
		"device_field": c.DeviceField != "",
		"time_field":   c.TimeField != "",
		"time_format":  c.TimeFormat != "",
		"field":        c.Field != "",
	}
	for _, a := range allowed {
		delete(set, a)
	}
	var extra []string
	for name, isSet := range set {
		if isSet {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return configErrorf("type %s takes no %s", typ, strings.Join(extra, ", "))
}

func (c Config) checkSelection() error {
	names := make([]string, 0, len(c.Fields))
	for name := range c.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "" {
			return configErrorf("fields: an output name is empty")
		}
		if c.Fields[name] == "" {
			return configErrorf("fields: %q has no input field", name)
		}
	}
	if c.TimeFormat != "" && c.TimeField == "" {
		return configErrorf("time_format %q needs a time_field", c.TimeFormat)
	}
	if !TimeFormat(c.TimeFormat).valid() {
		return configErrorf("time_format %q is unknown: want unix, unix_ms or rfc3339", c.TimeFormat)
	}
	return nil
}
