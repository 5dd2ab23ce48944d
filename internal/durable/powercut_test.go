//go:build linux && !arm && !386 && !mips && !mipsle

package durable

// The power-cut test: a child process replaces a few files with WriteFile
// in a loop, on the power-cut filesystem, and acknowledges each write once
// it has returned. After each cut every file must hold its last
// acknowledged version or the one in flight: never an older one, nothing,
// an empty or a torn file. Each child first removes the leftovers of the
// writes the last cut interrupted, as the users of WriteFile do when they
// open their directory, so they never pile up: at most one per writer.

import (
	"fmt"
	"testing"

	"github.com/tidegate/tidegate/internal/powercut"
)

func TestPowerCutChild(t *testing.T) {
	c := powercut.StartChild(t)
	if _, err := RemoveLeftovers(c.Dir); err != nil {
		c.Fatalf("remove leftovers: %v", err)
	}
	powercut.Versions{}.Child(c, func(path string, data []byte) error {
		return WriteFile(path, data, 0o600)
	})
}

func TestPowerCut(t *testing.T) {
	v := powercut.Versions{}
	check := v.Check()
	writers, most := 2, 0 // Versions' default
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutChild",
		Cycles:  50,
		MaxAcks: 40,
		Tear:    true,
		Check: func(c *powercut.Cycle) error {
			if err := check(c); err != nil {
				return err
			}
			left, err := powercut.Temporaries(c.Dir)
			if err != nil {
				return err
			}
			if len(left) > writers {
				return fmt.Errorf("%d temporary files left behind, more than the %d writes a cut can interrupt: %q", len(left), writers, left)
			}
			most = max(most, len(left))
			return nil
		},
	})
	if st.Acks == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
	t.Logf("at most %d temporary files left behind by writes a cut interrupted", most)
}
