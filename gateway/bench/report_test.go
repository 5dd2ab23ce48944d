package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWriteTable(t *testing.T) {
	tests := []struct {
		name  string
		title string
		rows  []Row
		want  string
	}{
		{
			name:  "no rows",
			title: "empty",
			want:  "empty\n",
		},
		{
			name:  "columns align and empty notes leave no trailing blanks",
			title: "disk baseline",
			rows: []Row{
				{Name: "write rate", Value: "412.7", Unit: "MB/s", Note: "1 MiB + fdatasync"},
				{Name: "sync p99", Value: "3.1ms"},
			},
			want: "disk baseline\n" +
				"  write rate  412.7  MB/s  1 MiB + fdatasync\n" +
				"  sync p99    3.1ms\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, tc.title, tc.rows); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}

func TestWriteJSONIsOneIndentedObject(t *testing.T) {
	var buf bytes.Buffer
	in := DiskResult{Bytes: 1 << 20, MBPerSec: 12.5}
	if err := WriteJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "{\n  \"bytes\": 1048576,\n") || !strings.HasSuffix(out, "\n}\n") {
		t.Errorf("not an indented object:\n%s", out)
	}
	dec := json.NewDecoder(&buf)
	var got DiskResult
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got != in {
		t.Errorf("round trip = %+v, want %+v", got, in)
	}
	if dec.More() {
		t.Error("more than one JSON value written")
	}
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestReportWritersWrapErrors(t *testing.T) {
	tests := []struct {
		name  string
		write func() error
	}{
		{"table", func() error { return WriteTable(failingWriter{}, "t", []Row{{Name: "a"}}) }},
		{"json", func() error { return WriteJSON(failingWriter{}, Row{}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); !errors.Is(err, errWrite) {
				t.Errorf("err = %v, want wrapping %v", err, errWrite)
			}
		})
	}
}
