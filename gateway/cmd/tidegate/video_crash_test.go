package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/events"
	"github.com/tidegate/tidegate/video/fragments"
)

const videoCrashKills = 3

// The gateway records the simulated camera and is killed with SIGKILL
// while recording, again and again, then stopped cleanly. Afterwards the
// video store opens with nothing to repair (the restarts repaired what
// the kills tore), every indexed fragment reads back with its checksum
// and plays in ffprobe with the frames the index says, every fragment
// the gateway reported stored (its event in video-events) is there as
// reported, and each kill is a restart gap.
func TestVideoSurvivesSIGKILL(t *testing.T) {
	ffprobe := peer.FFprobe(t)
	sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0", "--gop", "12")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
mqtt: {listen: "-"}
rtsp: {listen: "-"}
cameras:
  - {name: sim, source: %q, transport: tcp, fragment: 500ms}
`, data, freePort(t), sim.URL)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for range videoCrashKills {
		gw := startGatewayProcess(t, cfgFile)
		time.Sleep(2*time.Second + rand.N(2*time.Second))
		gw.Process.Signal(syscall.SIGKILL)
		gw.Wait()
	}
	gw := startGatewayProcess(t, cfgFile)
	time.Sleep(2 * time.Second)
	gw.Process.Signal(syscall.SIGTERM)
	if err := gw.Wait(); err != nil {
		t.Fatalf("the last run did not stop cleanly: %v", err)
	}

	reported := readFragmentEvents(t, data)
	st, err := fragments.Open(filepath.Join(data, "video"), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if d := st.Damage(); len(d) != 0 {
		t.Errorf("damage found after a clean stop: %+v", d)
	}
	frs, err := st.Fragments("sim", fragments.Query{})
	if err != nil {
		t.Fatal(err)
	}
	byNumber := map[uint64]fragments.Fragment{}
	for _, f := range frs {
		byNumber[f.Number] = f
		m, err := st.ReadFragment("sim", f.Number)
		if err != nil {
			t.Errorf("fragment %d: %v", f.Number, err)
			continue
		}
		if n := probeFrames(t, ffprobe, append(append([]byte{}, m.Init...), m.Data...)); n != f.Frames {
			t.Errorf("fragment %d plays %d frames, the index says %d", f.Number, n, f.Frames)
		}
	}
	if len(reported) == 0 {
		t.Fatal("no fragment was reported")
	}
	for _, e := range reported {
		f, ok := byNumber[e.Fragment]
		if !ok {
			t.Errorf("fragment %d was reported stored and is not in the store", e.Fragment)
			continue
		}
		if !f.Server.Equal(e.Server) || f.Size != e.Size || f.Frames != e.Frames {
			t.Errorf("fragment %d: reported %+v, stored %+v", e.Fragment, e, f)
		}
	}
	gaps, _ := st.Gaps("sim", time.Time{}, time.Time{})
	restarts := 0
	for _, g := range gaps {
		if g.Reason == fragments.ReasonRestart {
			restarts++
		}
	}
	if restarts < videoCrashKills+1 {
		t.Errorf("%d restart gaps for %d kills and a stop: %v", restarts, videoCrashKills, gaps)
	}
	t.Logf("%d fragments stored, %d reported, %d gaps", len(frs), len(reported), len(gaps))
}

// readFragmentEvents reads the video-events stream of a stopped gateway.
func readFragmentEvents(t *testing.T, data string) []events.Record {
	t.Helper()
	st, err := shards.Open(filepath.Join(data, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stream(events.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Record
	for _, sh := range s.Shards() {
		it, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(it, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				var e events.Record
				if err := json.Unmarshal(r.Data, &e); err != nil {
					t.Fatal(err)
				}
				out = append(out, e)
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			it = res.Next
		}
	}
	return out
}

func probeFrames(t *testing.T, ffprobe string, mp4 []byte) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fragment.mp4")
	if err := os.WriteFile(path, mp4, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}
