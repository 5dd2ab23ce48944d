//go:build linux && !arm && !386 && !mips && !mipsle

package fragments

// The power-cut test: a child process records a camera on the power-cut
// filesystem and acknowledges each fragment reported stored (a
// subscription delivers it once its segment file, and for a new file its
// directory, are fsync'd). After each cut the store must open on what the
// cut left, hold every acknowledged fragment that retention has not
// deleted, with index and files agreeing, and every segment file must play.

import (
	"fmt"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/powercut"
)

func powercutOptions() Options {
	return Options{IndexInterval: 50 * time.Millisecond, Defaults: CameraConfig{MaxBytes: 1 << 20}}
}

func TestPowerCutChild(t *testing.T) {
	c := powercut.StartChild(t)
	s, err := Open(c.Dir, powercutOptions())
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if err := s.Configure("cam", CameraConfig{}); err != nil {
		c.Fatalf("configure: %v", err)
	}
	sub, err := s.Subscribe("cam", 1<<16)
	if err != nil {
		c.Fatalf("subscribe: %v", err)
	}
	go func() {
		for f := range sub.C() {
			c.Ack("A %s %d %d %d", f.Camera, f.Number, f.Server.UnixNano(), f.Frames)
		}
		c.Fatalf("subscription ended: %v", sub.Err())
	}()
	m := media(t)
	r, err := s.Record("cam", []Track{m.track()})
	if err != nil {
		c.Fatalf("record: %v", err)
	}
	c.Ready()
	base := time.Now().UTC()
	for i := 0; ; i++ {
		if err := r.WriteFrame(m.frame(i, base)); err != nil {
			c.Fatalf("write: %v", err)
		}
	}
}

func TestPowerCut(t *testing.T) {
	bin := peer.FFprobe(t)
	acked := map[string]map[uint64]crashAck{}
	probed := map[string]bool{}
	cuts := 0
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutChild",
		Cycles:  30,
		MaxAcks: 30,
		MaxWait: time.Second,
		Tear:    true,
		Check: func(c *powercut.Cycle) error {
			for _, a := range c.Acks {
				if err := parseAck(a, acked); err != nil {
					return err
				}
			}
			n, err := verifyAcked(c.Dir, powercutOptions(), acked, probed, bin)
			cuts += n
			if err != nil {
				return fmt.Errorf("%w (%d fragments acknowledged so far)", err, len(acked["cam"]))
			}
			return nil
		},
	})
	if st.Acks == 0 {
		t.Fatal("no fragment was acknowledged: the test tested nothing")
	}
	t.Logf("%d fragments acknowledged, %d torn writes cut at open", len(acked["cam"]), cuts)
}
