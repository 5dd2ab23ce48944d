package decode

import "strconv"

// selection turns one parsed record (a JSON object, a CSV row) into a
// Reading: the fields to keep and their names, the device and the time.
type selection struct {
	format      string // "json", "csv: line 3": where, for error messages
	fields      map[string]string
	deviceField string
	timeField   string
	timeFormat  TimeFormat
}

// record is one parsed record: get looks a field up by its path, all
// returns every top-level field (for an empty selection).
type record struct {
	get func(path string) (any, bool)
	all func() map[string]any
}

func (s selection) reading(r record) (Reading, error) {
	var rd Reading
	if len(s.fields) == 0 {
		rd.Values = r.all()
	} else {
		rd.Values = make(map[string]any, len(s.fields))
		for name, path := range s.fields {
			v, ok := r.get(path)
			if !ok {
				return Reading{}, payloadErrorf("%s: field %q is missing", s.format, path)
			}
			rd.Values[name] = v
		}
	}
	if s.deviceField != "" {
		v, ok := r.get(s.deviceField)
		if !ok {
			return Reading{}, payloadErrorf("%s: device field %q is missing", s.format, s.deviceField)
		}
		switch d := v.(type) {
		case string:
			rd.Device = d
		case int64:
			rd.Device = strconv.FormatInt(d, 10)
		default:
			return Reading{}, payloadErrorf("%s: device field %q is %s, want a string", s.format, s.deviceField, typeName(v))
		}
		if rd.Device == "" {
			return Reading{}, payloadErrorf("%s: device field %q is empty", s.format, s.deviceField)
		}
	}
	if s.timeField != "" {
		v, ok := r.get(s.timeField)
		if !ok {
			return Reading{}, payloadErrorf("%s: time field %q is missing", s.format, s.timeField)
		}
		t, ok := parseTime(v, s.timeFormat)
		if !ok {
			return Reading{}, payloadErrorf("%s: time field %q is %s, want %s", s.format, s.timeField, describe(v), s.timeFormat.want())
		}
		rd.Time = t
	}
	data, err := compact(rd.Values)
	if err != nil {
		return Reading{}, payloadErrorf("%s: %v", s.format, err)
	}
	rd.Data = data
	return rd, nil
}

// describe shows a bad value in an error: short strings and numbers as
// they are, anything else by its type.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) <= 40 {
			return strconv.Quote(x)
		}
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return typeName(v)
}
