package record

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidegate/tidegate/analytics/value"
)

// ErrCSV is a malformed CSV line.
var ErrCSV = errors.New("malformed CSV")

// field is one CSV field: its text, and whether it was quoted.
type field struct {
	text   string
	quoted bool
}

// splitCSV splits one CSV line into fields, calling visit for each in order. A trailing
// "\n" or "\r\n" ends the line; a line break elsewhere must be inside quotes.
func splitCSV(line string, delim byte, scratch *[]byte, visit func(i int, f field) error) error {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	for i, pos := 0, 0; ; i++ {
		var f field
		if pos < len(line) && line[pos] == '"' {
			f.quoted = true
			b := (*scratch)[:0]
			pos++
			for {
				q := strings.IndexByte(line[pos:], '"')
				if q < 0 {
					return fmt.Errorf("%w: field %d: a quote is not closed", ErrCSV, i+1)
				}
				b = append(b, line[pos:pos+q]...)
				pos += q + 1
				if pos < len(line) && line[pos] == '"' {
					b = append(b, '"')
					pos++
					continue
				}
				break
			}
			*scratch = b
			f.text = string(b)
			if pos < len(line) && line[pos] != delim {
				return fmt.Errorf("%w: field %d: text after the closing quote", ErrCSV, i+1)
			}
		} else {
			end := strings.IndexByte(line[pos:], delim)
			if end < 0 {
				end = len(line) - pos
			}
			f.text = line[pos : pos+end]
			if strings.ContainsAny(f.text, "\"\r\n") {
				return fmt.Errorf("%w: field %d: a quote or line break in an unquoted field", ErrCSV, i+1)
			}
			pos += end
		}
		if err := visit(i, f); err != nil {
			return err
		}
		if pos >= len(line) {
			return nil
		}
		pos++ // the delimiter
	}
}

func (d *Decoder) decodeCSV(data []byte, row value.Row) error {
	var fields []value.Value
	if d.record >= 0 {
		fields = make([]value.Value, len(d.csvCols))
	}
	err := splitCSV(string(data), d.src.Delimiter, &d.text, func(i int, f field) error {
		if i >= len(d.csvCols) {
			return fmt.Errorf("%w: more than the %d columns", ErrCSV, len(d.csvCols))
		}
		slot := d.fields[i]
		if slot < 0 && fields == nil {
			return nil
		}
		v := value.Null
		if f.quoted || f.text != "" {
			v = d.csvValue(f.text, d.csvCols[i].Type)
		}
		if slot >= 0 {
			row[slot] = v
		}
		if fields != nil {
			fields[i] = v
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRecord, err)
	}
	if fields != nil {
		names := make([]string, len(d.csvCols))
		for i, c := range d.csvCols {
			names[i] = c.Name
		}
		row[d.record] = value.Object(names, fields)
	}
	return nil
}

// csvValue converts a field's text to its column's type; for a JSON column, text that is a
// JSON number or boolean becomes one.
func (d *Decoder) csvValue(text string, t value.Type) value.Value {
	if t == value.TypeJSON {
		if v, err := value.ParseJSON(text); err == nil {
			switch v.Kind() {
			case value.KindInt, value.KindDouble, value.KindBool:
				return v
			}
		}
		return value.String(text)
	}
	c, ok := value.Cast(value.String(text), t)
	if !ok {
		d.Mismatches++
	}
	return c
}
