//go:build linux && !arm && !386 && !mips && !mipsle

package durable

// The power-cut test: a child process replaces a few files with WriteFile
// in a loop, on the power-cut filesystem, and acknowledges each write once
// it has returned. After each cut every file must hold its last
// acknowledged version or the one in flight: never an older one, nothing,
// an empty or a torn file.

import (
	"testing"

	"github.com/tidegate/tidegate/internal/powercut"
)

func TestPowerCutChild(t *testing.T) {
	powercut.Versions{}.Child(powercut.StartChild(t), func(path string, data []byte) error {
		return WriteFile(path, data, 0o600)
	})
}

func TestPowerCut(t *testing.T) {
	check := powercut.Versions{}.Check()
	var left []string
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutChild",
		Cycles:  50,
		MaxAcks: 40,
		Tear:    true,
		Check: func(c *powercut.Cycle) error {
			if err := check(c); err != nil {
				return err
			}
			var err error
			left, err = powercut.Temporaries(c.Dir)
			return err
		},
	})
	if st.Acks == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
	t.Logf("%d temporary files left behind by writes the cuts interrupted", len(left))
}
