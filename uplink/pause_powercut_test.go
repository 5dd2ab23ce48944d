//go:build linux && !arm && !386 && !mips && !mipsle

package uplink_test

// The paused flags' power-cut test. A child creates deliveries one after
// another, two at a time; it pauses each and acknowledges that, then resumes a third of
// them, deletes another third and acknowledges that, and leaves each
// alone for good.
// After each cut a manager started on a copy of what the cut left must
// show each delivery as its last acknowledged operation left it: paused
// after a pause, delivering after a resume or a delete (the operation
// after an acknowledged one may have been in flight). The manager's
// directory is made by the first child, so the first cut also checks
// that it lasts.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/file"
)

// pcPausable is a delivery of the pause test.
func pcPausable(root, name string) uplink.Spec {
	return uplink.Spec{Name: name, From: []string{pcStream}, DestinationType: "file",
		Destination: &file.Config{Dir: filepath.Join(root, "export"), Compression: "none"}}
}

func TestPowerCutPauseChild(t *testing.T) {
	c := powercut.StartChild(t)
	st, m, err := pcOpen(c.Dir)
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if _, err := st.Stream(pcStream); errors.Is(err, shards.ErrNotFound) {
		_, err = st.CreateStream(pcStream, shards.StreamConfig{})
		if err != nil {
			c.Fatalf("stream: %v", err)
		}
	}
	c.Ready()
	// Two at a time, so that one's directory sync can make the other's
	// temporary file durable before its rename: what a cut leaves behind.
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcPauseLoop(c, m, w)
		}()
	}
	wg.Wait() // never: the parent kills us
}

// pcPauseLoop creates, pauses, then resumes, deletes or leaves paused one
// delivery after another, acknowledging each operation: "op name".
func pcPauseLoop(c *powercut.Child, m *uplink.Manager, w int) {
	ctx := context.Background()
	for k := 0; ; k++ {
		name := fmt.Sprintf("d%d-%d-%d", c.Cycle, w, k)
		if err := m.Create(ctx, pcPausable(c.Dir, name)); err != nil {
			c.Fatalf("create %s: %v", name, err)
		}
		if err := m.Pause(name); err != nil {
			c.Fatalf("pause %s: %v", name, err)
		}
		c.Ack("paused %s", name)
		switch k % 3 {
		case 0:
			if err := m.Resume(name); err != nil {
				c.Fatalf("resume %s: %v", name, err)
			}
			c.Ack("resumed %s", name)
		case 1:
			if err := m.Delete(name); err != nil {
				c.Fatalf("delete %s: %v", name, err)
			}
			c.Ack("deleted %s", name)
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err := m.Stop(name); err != nil {
			c.Fatalf("stop %s: %v", name, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPowerCutPause(t *testing.T) {
	checked, most := 0, 0
	powercut.Run(t, powercut.Workload{
		Child: "TestPowerCutPauseChild", Cycles: 10, MaxAcks: 30, MaxWait: 500 * time.Millisecond,
		Check: func(cy *powercut.Cycle) error {
			last := map[string]string{}
			newest := map[string]string{} // per worker, its last delivery
			var order []string
			for _, a := range cy.Acks {
				op, name, _ := strings.Cut(a, " ")
				if _, ok := last[name]; !ok {
					order = append(order, name)
				}
				last[name] = op
				newest[name[:strings.LastIndexByte(name, '-')]] = name
			}
			if len(order) == 0 {
				return nil
			}
			root := filepath.Join(t.TempDir(), "copy")
			if err := powercut.CopyDir(cy.Dir, root); err != nil {
				return err
			}
			left, err := powercut.Temporaries(pcManagerDir(cy.Dir))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if len(left) > 2 {
				return fmt.Errorf("%d temporary files left in the manager's directory, more than the two writes a cut can interrupt: %q", len(left), left)
			}
			most = max(most, len(left))
			st, m, err := pcOpen(root)
			if err != nil {
				return err
			}
			defer st.Close()
			defer m.Close()
			var errs []error
			for _, name := range order {
				if err := m.Create(context.Background(), pcPausable(root, name)); err != nil {
					return err
				}
				s, err := m.Status(name)
				if err != nil {
					return err
				}
				paused := s.State == uplink.StatePaused
				inFlight := newest[name[:strings.LastIndexByte(name, '-')]] == name // the operation after its last acknowledged one
				switch {
				case last[name] == "paused" && !paused && !inFlight:
					errs = append(errs, fmt.Errorf("delivery %s was acknowledged paused and is %s after the cut", name, s.State))
				case last[name] != "paused" && paused:
					errs = append(errs, fmt.Errorf("delivery %s was acknowledged %s and is paused again after the cut", name, last[name]))
				}
				checked++
			}
			return errors.Join(errs...)
		},
	})
	if checked == 0 {
		t.Fatal("no pause was acknowledged: the test tested nothing")
	}
	t.Logf("%d deliveries checked; at most %d temporary files left in the manager's directory", checked, most)
}
