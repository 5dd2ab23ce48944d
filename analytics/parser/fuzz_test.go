package parser

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input panics the parser; every error is an *Error whose position is in
// the text, with the line and column of its offset; whatever parses prints to text that
// parses to the same tree and prints the same again.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sql")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"SELECT -5, - -5, -(5), a.b['x'][0]::double FROM t",
		"SELECT x NOT BETWEEN 1 AND 2 IS NULL, NOT a = b, c LIKE 'x%' ESCAPE '!' FROM t",
		"SELECT CASE WHEN a THEN 1 ELSE 2 END, CASE a WHEN 1 THEN 'x' END FROM t",
		"SELECT * FROM a JOIN b ON a.k = b.k AND a.ts BETWEEN b.ts - INTERVAL '5' SECOND AND b.ts + INTERVAL '5s'",
		"SELECT COUNT(*) FROM t GROUP BY SLIDE(ROWS 10) EMIT ON UPDATE",
		"SELECT 1e308, 1.5, .5, 0.0, -0.0 FROM t ORDER BY a DESC LIMIT 10",
		"SELECT ((((a)))) FROM t WHERE \"from\" = `x` || 'it''s'",
		"DROP QUERY q; DROP TABLE t;; DROP STREAM s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		script, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			checkPos(t, src, pe.Pos)
			_ = pe.Pos.Excerpt(src)
			return
		}
		printed := script.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("the printed form does not parse: %v\nsource:  %q\nprinted: %s", err, src, printed)
		}
		if p2 := again.String(); p2 != printed {
			t.Fatalf("printed twice differently:\nsource: %q\nfirst:  %s\nsecond: %s", src, printed, p2)
		}
		if !sameTree(script, again) {
			t.Fatalf("the printed form parses to another tree:\nsource:  %q\nprinted: %s", src, printed)
		}
	})
}
