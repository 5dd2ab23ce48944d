//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Versions is a workload for a function that replaces a file atomically
// and durably: the child writes version after version of a few files and
// acknowledges each write once it has returned; after a cut every file
// must hold exactly its last acknowledged version, or the next one (the
// write in flight) — never an older one, nothing, a torn or an empty
// file. A file never acknowledged may be missing. Names starting with a
// dot are the writer's temporary files and are not checked.
type Versions struct {
	Files   int // how many files: 4 if zero
	Writers int // goroutines, each with its own files: 2 if zero
}

func (v Versions) files() int   { return orDefault(v.Files, 4) }
func (v Versions) writers() int { return orDefault(v.Writers, 2) }

func orDefault(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func versionName(i int) string { return fmt.Sprintf("file-%d", i) }

// VersionContent is version ver of file name: a header, then padding whose
// bytes and length (up to about 12 KiB, so that writes cross 512- and
// 4096-byte boundaries) derive from the header.
func VersionContent(name string, ver int) []byte {
	head := fmt.Sprintf("%s version %d\n", name, ver)
	h := fnv.New32a()
	h.Write([]byte(head))
	sum := h.Sum32()
	b := make([]byte, 0, len(head)+12<<10)
	b = append(b, head...)
	for i := 0; i < int(sum%(12<<10)); i++ {
		b = append(b, byte('a'+(uint32(i)+sum)%26))
	}
	return b
}

// parseVersion returns the version a file holds, or an error if it holds
// no whole version of name.
func parseVersion(name string, data []byte) (int, error) {
	if len(data) == 0 {
		return 0, errors.New("empty")
	}
	line, _, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return 0, fmt.Errorf("no header in %d bytes %.40q", len(data), data)
	}
	f := strings.Fields(string(line))
	if len(f) != 3 || f[0] != name || f[1] != "version" {
		return 0, fmt.Errorf("bad header %.60q", line)
	}
	ver, err := strconv.Atoi(f[2])
	if err != nil || ver < 1 {
		return 0, fmt.Errorf("bad header %.60q", line)
	}
	if !bytes.Equal(data, VersionContent(name, ver)) {
		return 0, fmt.Errorf("version %d is torn: %d bytes, want %d", ver, len(data), len(VersionContent(name, ver)))
	}
	return ver, nil
}

// Child runs the workload in the child until it is killed: write(path,
// data) must replace the file at path.
func (v Versions) Child(c *Child, write func(path string, data []byte) error) {
	var wg sync.WaitGroup
	for w := 0; w < v.writers(); w++ {
		var mine []int
		for i := w; i < v.files(); i += v.writers() {
			mine = append(mine, i)
		}
		next := map[int]int{}
		for _, i := range mine {
			data, err := os.ReadFile(filepath.Join(c.Dir, versionName(i)))
			switch {
			case errors.Is(err, os.ErrNotExist):
				next[i] = 1
			case err != nil:
				c.Fatalf("read %s: %v", versionName(i), err)
			default:
				ver, err := parseVersion(versionName(i), data)
				if err != nil {
					c.Fatalf("%s: %v", versionName(i), err)
				}
				next[i] = ver + 1
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				for _, i := range mine {
					name := versionName(i)
					if err := write(filepath.Join(c.Dir, name), VersionContent(name, next[i])); err != nil {
						c.Fatalf("write %s version %d: %v", name, next[i], err)
					}
					c.Ack("%s %d", name, next[i])
					next[i]++
				}
			}
		}()
	}
	c.Ready()
	wg.Wait()
}

// Check returns the check of the workload. It remembers, across cycles,
// the version each file was found at.
func (v Versions) Check() func(*Cycle) error {
	known := map[string]int{}
	return func(cy *Cycle) error {
		acked := map[string]int{}
		for _, a := range cy.Acks {
			name, ver, ok := strings.Cut(a, " ")
			n, err := strconv.Atoi(ver)
			if !ok || err != nil {
				return fmt.Errorf("bad acknowledgement %q", a)
			}
			acked[name] = max(acked[name], n)
		}
		var errs []error
		for i := 0; i < v.files(); i++ {
			name := versionName(i)
			lo := max(known[name], acked[name])
			data, err := os.ReadFile(filepath.Join(cy.Dir, name))
			got := 0
			switch {
			case errors.Is(err, os.ErrNotExist):
			case err != nil:
				return err
			default:
				if got, err = parseVersion(name, data); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w (%s)", name, err, ackedText(lo)))
					continue
				}
			}
			switch {
			case got == 0 && lo > 0:
				errs = append(errs, fmt.Errorf("%s is missing; version %d was acknowledged", name, lo))
			case got < lo:
				errs = append(errs, fmt.Errorf("%s holds version %d; version %d was acknowledged", name, got, lo))
			case got > lo+1:
				errs = append(errs, fmt.Errorf("%s holds version %d; only %d was acknowledged and one more in flight", name, got, lo))
			}
			known[name] = got
		}
		return errors.Join(errs...)
	}
}

func ackedText(ver int) string {
	if ver == 0 {
		return "no version acknowledged"
	}
	return fmt.Sprintf("version %d acknowledged", ver)
}

// Temporaries lists the names starting with a dot that dir holds: files a
// writer left behind when the power was cut.
func Temporaries(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}
