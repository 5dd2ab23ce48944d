package schema

import (
	"testing"

	"github.com/tidegate/tidegate/analytics/value"
)

func TestCatalog(t *testing.T) {
	m := &Map{Stored: func(name string) bool { return name == "doors" }}
	m.Add(&Source{Name: "readings", Kind: Stream, Stream: "raw", Columns: []Column{{Name: "temp", Type: value.TypeDouble}}})
	if s, ok := m.Lookup("readings"); !ok || s.Stream != "raw" || s.IsSchemaless() {
		t.Errorf("declared: %+v %v", s, ok)
	}
	if s, ok := m.Lookup("doors"); !ok || !s.IsSchemaless() || s.Stream != "doors" || s.Format != JSON {
		t.Errorf("stored: %+v %v", s, ok)
	}
	if _, ok := m.Lookup("nowhere"); ok {
		t.Error("an unknown name was found")
	}
	if c, ok := SystemColumn("_arrival"); !ok || c.Type != value.TypeTimestamp {
		t.Errorf("_arrival: %+v", c)
	}
	if _, ok := SystemColumn("_nope"); ok {
		t.Error("_nope is no system column")
	}
	table := &Source{Name: "rooms", Kind: Table, File: "rooms.csv"}
	if table.HasSystemColumns() {
		t.Error("a file table has no system columns")
	}
}
