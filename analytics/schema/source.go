package schema

import (
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/value"
)

// Kind says whether a source is a stream or a table.
type Kind uint8

// The kinds of source.
const (
	Stream Kind = iota + 1
	Table
)

// String is the kind's keyword.
func (k Kind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// Format is how a record's data is written.
type Format uint8

// The formats.
const (
	JSON Format = iota + 1 // one JSON object per record
	CSV                    // one line of delimited fields per record, in column order
)

// String is the format's option value.
func (f Format) String() string {
	if f == CSV {
		return "csv"
	}
	return "json"
}

// Column is a named, typed column.
type Column struct {
	Name string
	Type value.Type
}

// The system columns of a stream (see the package comment).
const (
	ArrivalColumn = "_arrival"
	KeyColumn     = "_key"
	SeqColumn     = "_seq"
	ShardColumn   = "_shard"
	RecordColumn  = "_record"
)

// SystemColumns lists the system columns in a fixed order.
func SystemColumns() []Column {
	return []Column{
		{ArrivalColumn, value.TypeTimestamp},
		{KeyColumn, value.TypeString},
		{SeqColumn, value.TypeString},
		{ShardColumn, value.TypeString},
		{RecordColumn, value.TypeJSON},
	}
}

// SystemColumn looks up a system column by name.
func SystemColumn(name string) (Column, bool) {
	if !strings.HasPrefix(name, "_") {
		return Column{}, false
	}
	for _, c := range SystemColumns() {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Source is a stream or a table a query can read.
type Source struct {
	Name string // the name queries use
	Kind Kind

	// Stream is the stored stream the records come from: for a stream, and for a table
	// kept as the latest row per key of a stream. File is the file a table is loaded from.
	// Exactly one of them is set.
	Stream string
	File   string

	Format    Format
	Delimiter byte // CSV: the field separator
	Header    bool // CSV file: its first line names the columns

	// Columns are the declared columns in order; nil for a schemaless source.
	Columns []Column

	// TimeColumn is the event-time column, a column name or a path into a JSON column
	// ("event.time"); empty: the arrival time. Lateness is how long after the watermark a
	// row is still on time; IdleTimeout how long a partition key may stay silent before its
	// watermark moves with the wall clock anyway (0: never).
	TimeColumn  string
	Lateness    time.Duration
	IdleTimeout time.Duration

	// Key is a table's key column; MaxKeys bounds a stream-backed table (the least recently
	// updated keys are dropped beyond it).
	Key     string
	MaxKeys int
}

// Schemaless is the source of a stored stream queried by its name with no declaration.
func Schemaless(name string) *Source {
	return &Source{Name: name, Kind: Stream, Stream: name, Format: JSON}
}

// IsSchemaless reports a source without declared columns.
func (s *Source) IsSchemaless() bool { return s.Columns == nil }

// Column looks up a declared column by name (names are case-sensitive).
func (s *Source) Column(name string) (Column, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// HasSystemColumns reports whether rows of s carry the system columns: stream records do,
// rows of a table loaded from a file do not.
func (s *Source) HasSystemColumns() bool { return s.File == "" }

// ColumnNames lists the declared columns' names.
func (s *Source) ColumnNames() []string {
	names := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
	}
	return names
}

// Catalog finds sources by name. The runtime's answers a schemaless Source for a stored
// stream that was never declared, and false for a name that is neither declared nor stored.
type Catalog interface {
	Lookup(name string) (*Source, bool)
}

// Map is a Catalog of declared sources, with an optional fallback for stored streams.
type Map struct {
	Sources map[string]*Source
	// Stored reports whether a stream of that name is stored (and so can be queried
	// schemaless); nil: none is.
	Stored func(name string) bool
}

// Lookup finds a declared source, else a stored stream as a schemaless source.
func (m *Map) Lookup(name string) (*Source, bool) {
	if s, ok := m.Sources[name]; ok {
		return s, true
	}
	if m.Stored != nil && m.Stored(name) {
		return Schemaless(name), true
	}
	return nil, false
}

// Add declares a source, replacing one of the same name.
func (m *Map) Add(s *Source) {
	if m.Sources == nil {
		m.Sources = map[string]*Source{}
	}
	m.Sources[s.Name] = s
}
