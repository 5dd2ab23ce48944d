package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Row is one line of a bench report. Value is preformatted by the caller,
// who knows the precision that matters for that figure.
type Row struct {
	Name  string
	Value string
	Unit  string
	Note  string
}

// WriteTable prints a title and aligned rows for a human at a terminal.
// Scripts should use WriteJSON: this layout may change.
func WriteTable(w io.Writer, title string, rows []Row) error {
	var cells bytes.Buffer
	tw := tabwriter.NewWriter(&cells, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Name, r.Value, r.Unit, r.Note)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: table %q: %w", title, err)
	}
	// tabwriter pads every column, even before an empty note; trimming
	// keeps trailing blanks out of captured output and its diffs.
	var out bytes.Buffer
	out.WriteString(title + "\n")
	for line := range bytes.Lines(cells.Bytes()) {
		out.Write(bytes.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("bench: table %q: %w", title, err)
	}
	return nil
}

// WriteJSON writes v as one indented JSON document followed by a newline:
// one document per call keeps the output parseable by scripts as a whole,
// and indentation keeps it readable when pasted into a review.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("bench: json: %w", err)
	}
	return nil
}
