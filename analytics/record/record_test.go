package record

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/schema"
	"github.com/tidegate/tidegate/analytics/value"
)

var readings = &schema.Source{
	Name: "readings", Kind: schema.Stream, Stream: "sensors", Format: schema.JSON,
	Columns: []schema.Column{
		schema.Column{Name: "device", Type: value.TypeString}, schema.Column{Name: "temp", Type: value.TypeDouble}, schema.Column{Name: "n", Type: value.TypeInt},
		schema.Column{Name: "ts", Type: value.TypeTimestamp}, schema.Column{Name: "payload", Type: value.TypeJSON},
	},
}

func TestDecodeJSON(t *testing.T) {
	d, err := NewDecoder(readings, []string{"temp", "ts", "device", "_key", "_arrival", "n", "payload"})
	if err != nil {
		t.Fatal(err)
	}
	row := make(value.Row, d.Width())
	arrival := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	err = d.Decode([]byte(`{"device":"d1","temp":21,"n":"7","ts":"2026-11-27T08:00:01Z","extra":[1,2],"payload":{"a":[true]}}`),
		Meta{Arrival: arrival, Key: "d1"}, row)
	if err != nil {
		t.Fatal(err)
	}
	if row[0].Kind() != value.KindDouble || row[0].AsDouble() != 21 {
		t.Errorf("temp = %v (%v), want DOUBLE 21", row[0], row[0].Kind())
	}
	if !row[1].AsTime().Equal(arrival.Add(time.Second)) || row[2].AsString() != "d1" || row[3].AsString() != "d1" ||
		!row[4].AsTime().Equal(arrival) || row[5].AsInt() != 7 || !row[6].Member("a").Elem(0).AsBool() {
		t.Errorf("row = %v", row)
	}
	// A value that does not fit is NULL and counted; an absent one is NULL.
	if err := d.Decode([]byte(`{"temp":"warm","ts":1764230400000}`), Meta{}, row); err != nil {
		t.Fatal(err)
	}
	if !row[0].IsNull() || d.Mismatches != 1 || !row[2].IsNull() || row[1].AsTime().Unix() != 1764230400 {
		t.Errorf("row = %v, mismatches %d", row, d.Mismatches)
	}
	for _, bad := range []string{`[1]`, `{"temp":}`, ``} {
		if err := d.Decode([]byte(bad), Meta{}, row); !errors.Is(err, ErrRecord) {
			t.Errorf("Decode(%q) = %v, want ErrRecord", bad, err)
		}
	}
	if _, err := NewDecoder(readings, []string{"tmp"}); err == nil {
		t.Error("an undeclared column was accepted")
	}
}

func TestDecodeSchemaless(t *testing.T) {
	d, err := NewDecoder(schema.Schemaless("doors"), []string{"door", "_record", "open"})
	if err != nil {
		t.Fatal(err)
	}
	row := make(value.Row, 3)
	if err := d.Decode([]byte(`{"door":"front","open":true,"n":1.5}`), Meta{}, row); err != nil {
		t.Fatal(err)
	}
	if row[0].AsString() != "front" || !row[2].AsBool() || row[1].Member("n").AsDouble() != 1.5 {
		t.Errorf("row = %v", row)
	}
	out := AppendJSON(nil, []Field{{Name: "r", Spread: true}, {Name: "door"}}, value.Row{row[1], row[0]})
	if got := string(out); got != `{"door":"front","open":true,"n":1.5,"door":"front"}` {
		t.Errorf("AppendJSON = %s", got)
	}
}

func TestDecodeCSV(t *testing.T) {
	src := &schema.Source{Name: "c", Kind: schema.Stream, Stream: "c", Format: schema.CSV, Delimiter: ',',
		Columns: []schema.Column{schema.Column{Name: "device", Type: value.TypeString}, schema.Column{Name: "temp", Type: value.TypeDouble}, schema.Column{Name: "note", Type: value.TypeString}}}
	d, err := NewDecoder(src, []string{"note", "temp", "device", "_record"})
	if err != nil {
		t.Fatal(err)
	}
	row := make(value.Row, 4)
	if err := d.Decode([]byte("\"d,1\",21.5,\"say \"\"hi\"\"\"\r\n"), Meta{}, row); err != nil {
		t.Fatal(err)
	}
	if row[0].AsString() != `say "hi"` || row[1].AsDouble() != 21.5 || row[2].AsString() != "d,1" || row[3].Member("temp").AsDouble() != 21.5 {
		t.Errorf("row = %v", row)
	}
	if err := d.Decode([]byte(`d2,,""`), Meta{}, row); err != nil {
		t.Fatal(err)
	}
	if !row[1].IsNull() || row[0].Kind() != value.KindString || row[0].AsString() != "" {
		t.Errorf("empty fields: %v", row)
	}
	for _, bad := range []string{`a,1,x,extra`, `"a,1`, `a"b,1`, `"a"b,1`} {
		if err := d.Decode([]byte(bad), Meta{}, row); !errors.Is(err, ErrRecord) {
			t.Errorf("Decode(%q) = %v, want ErrRecord", bad, err)
		}
	}
}

// FuzzSplitCSV holds splitCSV to encoding/csv on single-line records.
func FuzzSplitCSV(f *testing.F) {
	for _, s := range []string{`a,b,c`, `"a,b",c`, `"a""b",`, `,,`, `"",x`, `a"b`, `"a"b`, `"a`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || strings.ContainsAny(s, "\r\n") {
			return
		}
		var got []string
		var scratch []byte
		err := splitCSV(s, ',', &scratch, func(_ int, fl field) error {
			got = append(got, fl.text)
			return nil
		})
		r := csv.NewReader(strings.NewReader(s))
		r.FieldsPerRecord = -1
		want, refErr := r.Read()
		if (err == nil) != (refErr == nil) {
			t.Fatalf("splitCSV(%q): %v; encoding/csv: %v", s, err, refErr)
		}
		if err == nil && strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("splitCSV(%q) = %q; encoding/csv: %q", s, got, want)
		}
	})
}

func TestCSVHeader(t *testing.T) {
	table := &schema.Source{Name: "rooms", Kind: schema.Table, File: "rooms.csv", Format: schema.CSV, Delimiter: ';', Header: true}
	d, err := NewDecoder(table, []string{"floor", "room", "_record"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Header([]byte("device;room;floor\n")); err != nil {
		t.Fatal(err)
	}
	row := make(value.Row, 3)
	if err := d.Decode([]byte("d1;\"big; hall\";2\n"), Meta{}, row); err != nil {
		t.Fatal(err)
	}
	if row[0].Kind() != value.KindInt || row[0].AsInt() != 2 || row[1].AsString() != "big; hall" || row[2].Member("device").AsString() != "d1" {
		t.Errorf("row = %v", row)
	}
	declared := &schema.Source{Name: "rooms", Kind: schema.Table, File: "rooms.csv", Format: schema.CSV, Delimiter: ',', Header: true,
		Columns: []schema.Column{{Name: "device", Type: value.TypeString}, {Name: "floor", Type: value.TypeDouble}}}
	d, _ = NewDecoder(declared, []string{"floor"})
	if err := d.Header([]byte("floor,device")); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode([]byte("3,d1"), Meta{}, row); err != nil || row[0].Kind() != value.KindDouble || row[0].AsDouble() != 3 {
		t.Errorf("declared, reordered by the header: %v %v", row[0], err)
	}
	if err := d.Header([]byte("floor,colour")); err == nil {
		t.Error("a header naming an undeclared column was accepted")
	}
}
