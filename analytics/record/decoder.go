package record

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

// Meta is what the store knows of a record besides its data: the system columns.
type Meta struct {
	Arrival time.Time
	Key     string
	Seq     string
	Shard   string
}

// ErrRecord wraps every error about a record's data.
var ErrRecord = errors.New("record: bad record")

// Decoder decodes the records of one source into rows of chosen columns. It is not safe
// for concurrent use: the runtime keeps one per reading goroutine.
type Decoder struct {
	src     *schema.Source
	width   int
	members map[string]int  // JSON: top-level member → slot
	slots   []int           // the slots of members
	types   []value.Type    // slot → the type to convert to (JSON: keep the decoded kind)
	fields  []int           // CSV: field index → slot, -1 when unused
	csvCols []schema.Column // CSV: the column of each field (the declared order, or a header's)
	names   []string        // slot → column name
	system  [4]int          // slots of _arrival, _key, _seq, _shard; -1 when unused
	record  int             // slot of _record, -1 when unused
	text    []byte          // CSV: scratch for unquoting

	// Mismatches counts values that did not convert to their column's type (and became
	// NULL).
	Mismatches uint64
}

// NewDecoder makes a decoder for src whose rows hold columns, in that order: declared
// columns, system columns (for sources that have them), and for a schemaless source any
// name, the member of that name.
func NewDecoder(src *schema.Source, columns []string) (*Decoder, error) {
	d := &Decoder{
		src:     src,
		width:   len(columns),
		members: make(map[string]int, len(columns)),
		types:   make([]value.Type, len(columns)),
		names:   columns,
		system:  [4]int{-1, -1, -1, -1},
		record:  -1,
	}
	if src.Format == schema.CSV {
		d.csvCols = src.Columns
	}
	for slot, name := range columns {
		if sys, ok := schema.SystemColumn(name); ok && (src.HasSystemColumns() || name == schema.RecordColumn) {
			d.types[slot] = sys.Type
			switch name {
			case schema.ArrivalColumn:
				d.system[0] = slot
			case schema.KeyColumn:
				d.system[1] = slot
			case schema.SeqColumn:
				d.system[2] = slot
			case schema.ShardColumn:
				d.system[3] = slot
			case schema.RecordColumn:
				d.record = slot
			}
			continue
		}
		typ := value.TypeJSON
		if !src.IsSchemaless() {
			c, ok := src.Column(name)
			if !ok {
				return nil, fmt.Errorf("record: %s %s has no column %q", src.Kind, src.Name, name)
			}
			typ = c.Type
		}
		if _, dup := d.members[name]; dup {
			return nil, fmt.Errorf("record: column %q asked for twice", name)
		}
		d.types[slot] = typ
		d.members[name] = slot
		d.slots = append(d.slots, slot)
	}
	d.mapFields()
	return d, nil
}

// mapFields points each CSV field at the slot of its column.
func (d *Decoder) mapFields() {
	if d.src.Format != schema.CSV {
		return
	}
	d.fields = make([]int, len(d.csvCols))
	for i, c := range d.csvCols {
		d.fields[i] = -1
		if slot, ok := d.members[c.Name]; ok {
			d.fields[i] = slot
		}
	}
}

// Header reads the first line of a CSV file whose columns it names: the fields of the
// following lines are taken in its order. Declared columns keep their types; in a
// schemaless table every named column is read as JSON would read the text (a number, true
// or false, else a string). A name that is not declared is an error.
func (d *Decoder) Header(line []byte) error {
	var cols []schema.Column
	err := splitCSV(string(line), d.src.Delimiter, &d.text, func(_ int, f field) error {
		name := strings.TrimSpace(f.text)
		c := schema.Column{Name: name, Type: value.TypeJSON}
		if !d.src.IsSchemaless() {
			decl, ok := d.src.Column(name)
			if !ok {
				return fmt.Errorf("record: %s %s: the header names %q, which is not declared", d.src.Kind, d.src.Name, name)
			}
			c = decl
		}
		cols = append(cols, c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrRecord, err)
	}
	d.csvCols = cols
	d.mapFields()
	return nil
}

// Width is the number of slots a row needs.
func (d *Decoder) Width() int { return d.width }

// Decode reads data into row[:Width()], with meta for the system columns.
func (d *Decoder) Decode(data []byte, meta Meta, row value.Row) error {
	row = row[:d.width]
	clear(row)
	var err error
	if d.src.Format == schema.CSV {
		err = d.decodeCSV(data, row)
	} else {
		err = d.decodeJSON(data, row)
	}
	if err != nil {
		return err
	}
	if d.system[0] >= 0 {
		row[d.system[0]] = value.Time(meta.Arrival)
	}
	if d.system[1] >= 0 {
		row[d.system[1]] = value.String(meta.Key)
	}
	if d.system[2] >= 0 {
		row[d.system[2]] = value.String(meta.Seq)
	}
	if d.system[3] >= 0 {
		row[d.system[3]] = value.String(meta.Shard)
	}
	return nil
}

func (d *Decoder) decodeJSON(data []byte, row value.Row) error {
	text := string(data) // one copy per record; decoded strings share it
	if d.record >= 0 {
		whole, err := value.ParseJSON(text)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrRecord, err)
		}
		if whole.Kind() != value.KindObject {
			return fmt.Errorf("%w: %w", ErrRecord, value.ErrNotObject)
		}
		row[d.record] = whole
		for name, slot := range d.members {
			row[slot] = whole.Member(name)
		}
	} else if err := value.DecodeObject(text, d.members, row); err != nil {
		return fmt.Errorf("%w: %w", ErrRecord, err)
	}
	for _, slot := range d.slots {
		d.convert(row, slot)
	}
	return nil
}

// convert brings row[slot] to its column's type.
func (d *Decoder) convert(row value.Row, slot int) {
	t := d.types[slot]
	v := row[slot]
	if t.Holds(v.Kind()) {
		return
	}
	c, ok := value.Cast(v, t)
	if !ok {
		d.Mismatches++
	}
	row[slot] = c
}
