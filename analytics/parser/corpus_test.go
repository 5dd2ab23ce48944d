package parser

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Each testdata/*.sql script parses; its canonical form is testdata/*.golden (go test
// -update rewrites them) and parses back to the same tree.
func TestCorpusRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			script, err := Parse(string(src))
			if err != nil {
				t.Fatalf("%v\n%s", err, err.(*Error).Pos.Excerpt(string(src)))
			}
			printed := script.String()
			golden := strings.TrimSuffix(name, ".sql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(printed), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if printed != string(want) {
				t.Errorf("canonical form differs from %s:\n%s", golden, printed)
			}
			again, err := Parse(printed)
			if err != nil {
				t.Fatalf("the canonical form does not parse: %v", err)
			}
			if !sameTree(script, again) {
				t.Error("the canonical form parses to another tree")
			}
		})
	}
}
