package decode

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// CSV decodes a payload of CSV text: a header line, then one reading per
// row. Numeric cells become numbers, the others strings.
type CSV struct {
	// Fields selects and renames columns: output name → header name.
	// Empty keeps every column.
	Fields      map[string]string `yaml:"fields"`
	DeviceField string            `yaml:"device_field"`
	TimeField   string            `yaml:"time_field"`
	TimeFormat  TimeFormat        `yaml:"time_format"`
}

var _ Decoder = (*CSV)(nil)

// Decode implements Decoder.
func (c *CSV) Decode(m Message) ([]Reading, error) {
	r := csv.NewReader(bytes.NewReader(m.Payload))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, payloadErrorf("csv: payload is empty, want a header line and rows")
	}
	if err != nil {
		return nil, payloadErrorf("csv: %v", err)
	}
	column := make(map[string]int, len(header))
	for i, name := range header {
		if _, dup := column[name]; dup {
			return nil, payloadErrorf("csv: header names column %q twice", name)
		}
		column[name] = i
	}
	sel := selection{
		fields:      c.Fields,
		deviceField: c.DeviceField,
		timeField:   c.TimeField,
		timeFormat:  c.TimeFormat,
	}
	var out []Reading
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, payloadErrorf("csv: %v", err)
		}
		line, _ := r.FieldPos(0)
		sel.format = fmt.Sprintf("csv: line %d", line)
		rd, err := sel.reading(record{
			get: func(name string) (any, bool) {
				i, ok := column[name]
				if !ok {
					return nil, false
				}
				return cell(row[i]), true
			},
			all: func() map[string]any {
				values := make(map[string]any, len(header))
				for i, name := range header {
					values[name] = cell(row[i])
				}
				return values
			},
		})
		if err != nil {
			return nil, err
		}
		out = append(out, rd)
	}
	if len(out) == 0 {
		return nil, payloadErrorf("csv: no rows after the header")
	}
	return out, nil
}

// cell reads a CSV cell: a number when it is one, else the text.
func cell(s string) any {
	if v, ok := parseNumber(s); ok {
		return v
	}
	return s
}
