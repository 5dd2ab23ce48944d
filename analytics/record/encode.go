package record

import "github.com/tidegate/tidegate/analytics/value"

// Field names one column of a result row. A Spread field's value, when it is an object, is
// written as its members instead (SELECT * of a schemaless stream: the record's own
// fields).
type Field struct {
	Name   string
	Spread bool
}

// AppendJSON appends row as a JSON object of fields, in order.
func AppendJSON(dst []byte, fields []Field, row value.Row) []byte {
	dst = append(dst, '{')
	first := true
	member := func(name string, v value.Value) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = value.AppendJSONString(dst, name)
		dst = append(dst, ':')
		dst = value.AppendJSON(dst, v)
	}
	for i, f := range fields {
		v := row[i]
		if f.Spread && v.Kind() == value.KindObject {
			keys, vals := v.Members()
			for j, k := range keys {
				member(k, vals[j])
			}
			continue
		}
		member(f.Name, v)
	}
	return append(dst, '}')
}
