package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/video/fragments"
)

// The camera upload's durability test: the gateway records the simulated
// camera and a delivery from it uploads 3 s MP4 clips to a local S3 store
// (gofakes3) that goes away for 6 s, then the gateway is killed with
// SIGKILL three times and restarted. Afterwards every fragment the store
// holds is in exactly one object, the objects cover the fragments in
// order, each plays in ffprobe with the frames its fragments hold, and the
// objects were uploaded oldest first, the outage's backlog included. Two of
// the kills land while a clip is being uploaded: it is sent again, under
// the same name.
func TestCameraUploadSurvivesOutageAndSIGKILL(t *testing.T) {
	ffprobe := peer.FFprobe(t)
	sim := peer.StartSimCamera(t, "--rtsp-listen", "127.0.0.1:0")
	backend := s3mem.New()
	if err := backend.CreateBucket("video"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend).Server()
	var down atomic.Bool
	var putting atomic.Int32 // uploads in progress
	var mu sync.Mutex
	var uploads []string // keys, in the order the store took them
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "<Error><Code>ServiceUnavailable</Code><Message>out</Message></Error>", http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodPut {
			fake.ServeHTTP(w, r)
			return
		}
		putting.Add(1)
		time.Sleep(400 * time.Millisecond) // a slow uplink: kills land mid-upload
		rec := &statusRecorder{ResponseWriter: w}
		fake.ServeHTTP(rec, r)
		putting.Add(-1)
		if rec.status < 300 {
			mu.Lock()
			uploads = append(uploads, strings.TrimPrefix(r.URL.Path, "/video/"))
			mu.Unlock()
		}
	}))
	defer store.Close()

	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "UPLOADER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "uploader-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
mqtt: {listen: "-"}
rtsp: {listen: "-"}
cameras:
  - {name: sim, source: %q, transport: tcp, fragment: 1s}
deliveries:
  - name: export
    from: camera/sim
    to: {type: s3, bucket: video, endpoint: %q, region: us-east-1}
    clip_length: 3s
    buffer: {interval: 2s}
`, filepath.Join(dir, "data"), port, sim.URL, store.URL)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGatewayProcess(t, cfgFile)
	time.Sleep(4 * time.Second)
	down.Store(true)
	time.Sleep(6 * time.Second)
	// S3 answers 503: the clip is retried, failing (not dead-lettered:
	// retry.duration is a day), and the recording goes on into the backlog.
	if st := deliveryState(t, base); (st.State != "failing" && st.State != "backing_off") || st.BacklogRecords < 3 || st.DeadLettered != 0 {
		t.Errorf("during the outage: %+v", st)
	}
	down.Store(false)
	for kill := 1; kill <= 3; kill++ {
		time.Sleep(time.Duration(1000+rand.IntN(1500)) * time.Millisecond)
		// Most kills land while a clip is being uploaded.
		for wait := time.Now().Add(5 * time.Second); kill < 3 && putting.Load() == 0 && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		st := deliveryState(t, base)
		syscall.Kill(gw.Process.Pid, syscall.SIGKILL)
		gw.Wait()
		t.Logf("kill %d: the gateway had delivered %d clips, redelivered %d, %d fragments behind", kill, st.RecordsDelivered, st.Redelivered, st.BacklogRecords)
		gw = startGatewayProcess(t, cfgFile)
	}
	time.Sleep(3 * time.Second)
	sim.Cmd.Process.Signal(syscall.SIGKILL) // the camera goes; the last clip follows after the interval
	for deadline := time.Now().Add(20 * time.Second); !cameraOffline(t, base); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the camera's recording did not stop")
		}
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if st := deliveryState(t, base); st.BacklogRecords == 0 && st.State == "delivering" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery did not catch up: %+v", deliveryState(t, base))
		}
	}
	gw.Process.Signal(syscall.SIGTERM)
	gw.Wait()

	vst, err := fragments.Open(filepath.Join(dir, "data", "video"), fragments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frs, err := vst.Fragments("sim", fragments.Query{})
	vst.Close()
	if err != nil || len(frs) < 10 {
		t.Fatalf("%d fragments recorded: %v", len(frs), err)
	}
	frames := map[uint64]int{}
	for _, f := range frs {
		frames[f.Number] = f.Frames
	}

	s3c := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(store.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("UPLOADER", "uploader-secret", "")})
	name := regexp.MustCompile(`^\d{4}/\d\d/\d\d/\d\d/sim-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-f(\d+)-f(\d+)\.mp4$`)
	type object struct {
		key         string
		first, last uint64
	}
	var objs []object
	for _, key := range listKeys(t, s3c, "video") {
		m := name.FindStringSubmatch(key)
		if m == nil {
			t.Fatalf("object %q is not named for the camera, time and fragments", key)
		}
		first, _ := strconv.ParseUint(m[1], 10, 64)
		last, _ := strconv.ParseUint(m[2], 10, 64)
		objs = append(objs, object{key, first, last})
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].first < objs[j].first })
	next := frs[0].Number
	for _, o := range objs {
		if o.first != next || o.last < o.first {
			t.Fatalf("object %s covers %d-%d; the next fragment to cover is %d (objects %v)", o.key, o.first, o.last, next, objs)
		}
		next = o.last + 1
		want := 0
		for n := o.first; n <= o.last; n++ {
			want += frames[n]
		}
		path := filepath.Join(dir, "clip.mp4")
		if err := os.WriteFile(path, getObject(t, s3c, "video", o.key), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).CombinedOutput()
		if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); err != nil || got != want {
			t.Errorf("object %s: %s frames per ffprobe (%v), its fragments hold %d", o.key, out, err, want)
		}
	}
	if last := frs[len(frs)-1].Number; next != last+1 {
		t.Errorf("the objects end at fragment %d; the store holds up to %d", next-1, last)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	var prevFirst uint64
	for _, key := range uploads {
		m := name.FindStringSubmatch(key)
		first, _ := strconv.ParseUint(m[1], 10, 64)
		if first < prevFirst {
			t.Errorf("%s uploaded after a later clip", key)
		}
		prevFirst = max(prevFirst, first)
		seen[key] = true
	}
	t.Logf("%d fragments in %d objects; %d uploads (%d of them a clip sent again after a kill)", len(frs), len(objs), len(uploads), len(uploads)-len(seen))
}

// cameraOffline says whether the camera's recording stopped with a camera
// offline gap (its last fragment stored).
func cameraOffline(t *testing.T, base string) bool {
	resp, err := http.Get(base + "/api/v1/cameras/sim")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		OpenGap *struct{ Reason string } `json:"open_gap"`
	}
	json.NewDecoder(resp.Body).Decode(&c)
	return c.OpenGap != nil && c.OpenGap.Reason == "camera offline"
}

// statusRecorder keeps the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
