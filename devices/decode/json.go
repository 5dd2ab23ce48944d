package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// JSON decodes a payload that is one JSON object into one reading.
type JSON struct {
	// Fields selects and renames: output name → input path, dots for
	// nesting ("temperature": "env.t"). Empty keeps every top-level field.
	Fields map[string]string `yaml:"fields"`
	// DeviceField is the path of the device id; "" leaves it to the topic.
	DeviceField string `yaml:"device_field"`
	// TimeField is the path of the measurement time; "" means arrival time.
	TimeField string `yaml:"time_field"`
	// TimeFormat is unix, unix_ms or rfc3339; empty tries each.
	TimeFormat TimeFormat `yaml:"time_format"`
}

var _ Decoder = (*JSON)(nil)

// Decode implements Decoder.
func (j *JSON) Decode(m Message) ([]Reading, error) {
	obj, err := parseObject(m.Payload)
	if err != nil {
		return nil, err
	}
	sel := selection{
		format:      "json",
		fields:      j.Fields,
		deviceField: j.DeviceField,
		timeField:   j.TimeField,
		timeFormat:  j.TimeFormat,
	}
	rd, err := sel.reading(record{
		get: func(path string) (any, bool) { return lookup(obj, path) },
		all: func() map[string]any { return obj },
	})
	if err != nil {
		return nil, err
	}
	return []Reading{rd}, nil
}

// parseObject reads exactly one JSON object, numbers as int64 or float64.
func parseObject(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, payloadErrorf("json: payload is empty, want an object")
		}
		return nil, payloadErrorf("json: %v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, payloadErrorf("json: payload is %s, want an object", typeName(v))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, payloadErrorf("json: data after the object")
	}
	if err := numbers(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// numbers replaces json.Number throughout v, in place, by int64 or float64.
func numbers(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if n, ok := e.(json.Number); ok {
				f, ok := parseNumber(n.String())
				if !ok {
					return payloadErrorf("json: field %q: number %s is out of range", k, n)
				}
				x[k] = f
				continue
			}
			if err := numbers(e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if n, ok := e.(json.Number); ok {
				f, ok := parseNumber(n.String())
				if !ok {
					return payloadErrorf("json: number %s is out of range", n)
				}
				x[i] = f
				continue
			}
			if err := numbers(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookup follows a dotted path through nested objects. A key that itself
// contains dots is found too when it matches the rest of the path whole.
func lookup(obj map[string]any, path string) (any, bool) {
	if v, ok := obj[path]; ok {
		return v, true
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil, false
	}
	inner, ok := obj[head].(map[string]any)
	if !ok {
		return nil, false
	}
	return lookup(inner, rest)
}
