package parser

import (
	"os"
	"regexp"
	"testing"
)

// Every ```sql block of docs/sql.md parses and round-trips, so that the page cannot show
// a statement the parser refuses.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 10 {
		t.Fatalf("only %d sql blocks in docs/sql.md", len(blocks))
	}
	for i, b := range blocks {
		script, err := Parse(b[1])
		if err != nil {
			t.Errorf("block %d: %v\n%s", i+1, err, err.(*Error).Pos.Excerpt(b[1]))
			continue
		}
		again, err := Parse(script.String())
		if err != nil || !sameTree(script, again) {
			t.Errorf("block %d does not round-trip: %v", i+1, err)
		}
	}
}
