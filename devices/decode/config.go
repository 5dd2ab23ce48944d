package decode

import "sort"

// The decoders in this package are their own configurations: the keys of a
// `decoder:` block decode into their fields, and each subscription gets a
// copy.

func init() {
	Register(Type{
		Name:      "json",
		NewConfig: func() Config { return new(JSON) },
		New:       func(c Config, _ Env) (Decoder, error) { d := *c.(*JSON); return &d, nil },
	})
	Register(Type{
		Name:      "csv",
		NewConfig: func() Config { return new(CSV) },
		New:       func(c Config, _ Env) (Decoder, error) { d := *c.(*CSV); return &d, nil },
	})
	Register(Type{
		Name:      "number",
		NewConfig: func() Config { return new(Number) },
		New:       func(c Config, _ Env) (Decoder, error) { d := *c.(*Number); return &d, nil },
	})
	Register(Type{
		Name:      "raw",
		NewConfig: func() Config { return new(Raw) },
		New:       func(Config, Env) (Decoder, error) { return Raw{}, nil },
	})
}

// Validate checks the selection.
func (j *JSON) Validate() error { return checkSelection(j.Fields, j.TimeField, j.TimeFormat) }

// Validate checks the selection.
func (c *CSV) Validate() error { return checkSelection(c.Fields, c.TimeField, c.TimeFormat) }

// Validate accepts every field name.
func (*Number) Validate() error { return nil }

// Validate accepts the raw decoder, which takes no keys.
func (Raw) Validate() error { return nil }

func checkSelection(fields map[string]string, timeField string, timeFormat TimeFormat) error {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "" {
			return configErrorf("fields: an output name is empty")
		}
		if fields[name] == "" {
			return configErrorf("fields: %q has no input field", name)
		}
	}
	if timeFormat != "" && timeField == "" {
		return configErrorf("time_format %q needs a time_field", timeFormat)
	}
	if !timeFormat.valid() {
		return configErrorf("time_format %q is unknown: want unix, unix_ms or rfc3339", timeFormat)
	}
	return nil
}
