package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// The delivery's durability test: records flow through the Kinesis API
// into a two-shard stream that a `file` delivery exports, while the gateway
// is killed with SIGKILL three times and restarted on the same data
// directory. Afterwards every acknowledged record is in the export, each
// once (the file sink rewrites an in-flight batch under the same object
// name), in whole objects, each key's records in order.
func TestFileDeliverySurvivesSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name, compression, interval string
	}{
		{"none", "none", "0s"},
		{"gzip", "gzip", "200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) { runUplinkCrash(t, tc.compression, tc.interval) })
	}
}

const (
	uplinkCrashKills = 3
	uplinkCrashKeys  = 8
)

// crashPayload is a record's data: its partition key and a counter of the
// key, never reused, so every record is told apart.
type crashPayload struct {
	K string `json:"k"`
	N int    `json:"n"`
}

func (p crashPayload) id() string { return fmt.Sprintf("%s/%d", p.K, p.N) }

// deliveryStatus is what GET /api/v1/deliveries/{name} reports, as far as
// this test reads it.
type deliveryStatus struct {
	State            string `json:"state"`
	BacklogRecords   int64  `json:"backlog_records"`
	RecordsDelivered int64  `json:"records_delivered"`
	Redelivered      int64  `json:"redelivered"`
	DeadLettered     int64  `json:"dead_lettered"`
	LastError        string `json:"last_error"`
}

func runUplinkCrash(t *testing.T, compression, interval string) {
	dir := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	export := filepath.Join(dir, "export")
	cfgFile := filepath.Join(dir, "tidegate.yaml")
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
streams: [{name: sensors, shards: 2}]
mqtt: {listen: "-"}
rtsp: {listen: "-"}
deliveries:
  - name: export
    from: sensors
    to: {type: file, dir: %s}
    buffer: {interval: %s}
    format: json
    compression: %s
`, filepath.Join(dir, "data"), port, export, interval, compression)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGatewayProcess(t, cfgFile)

	ctx, stop := context.WithCancel(context.Background())
	p := &crashProducer{client: kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(base), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRODUCER", "producer", ""), RetryMaxAttempts: 1,
	}), next: map[string]int{}, sent: map[string]bool{}}
	produced := make(chan struct{})
	go func() { defer close(produced); p.run(ctx) }()
	defer func() { stop(); <-produced }()

	// Kill at random moments while records flow in and out; each gateway's
	// redelivered count is read just before it dies.
	var redelivered int64
	for kill := 1; kill <= uplinkCrashKills; kill++ {
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		st := deliveryState(t, base)
		redelivered += st.Redelivered
		syscall.Kill(gw.Process.Pid, syscall.SIGKILL)
		gw.Wait()
		t.Logf("kill %d: %d records acknowledged; the gateway had delivered %d, redelivered %d", kill, p.ackedCount(), st.RecordsDelivered, st.Redelivered)
		gw = startGatewayProcess(t, cfgFile)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	<-produced

	// Wait until everything stored is delivered, then stop cleanly.
	var st deliveryStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st = deliveryState(t, base)
		if st.BacklogRecords == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery did not catch up: %+v", st)
		}
	}
	redelivered += st.Redelivered
	gw.Process.Signal(syscall.SIGTERM)
	gw.Wait()
	if st.State != "delivering" || st.DeadLettered != 0 {
		t.Errorf("final status: %+v", st)
	}

	objs, temps := readExport(t, export, compression == "gzip")
	acked := p.acknowledged()
	seen := map[string]int{}
	dups := 0
	for _, o := range objs {
		for _, r := range o.records {
			if seen[r.id()]++; seen[r.id()] > 1 {
				dups++
			}
			if !p.wasSent(r.id()) {
				t.Errorf("object %s holds %s, which was never put", o.name, r.id())
			}
		}
	}
	t.Logf("%d records acknowledged (%d attempted), %d objects with %d distinct records, %d duplicates; %d redelivered reported; %d temporary files left",
		len(acked), p.sentCount(), len(objs), len(seen), dups, redelivered, temps)

	missing := 0
	for _, id := range acked {
		if seen[id] == 0 {
			if missing++; missing <= 10 {
				t.Errorf("acknowledged record %s is not in the export", id)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged records are missing", missing, len(acked))
	}
	if int64(dups) > redelivered {
		t.Errorf("%d duplicates, more than the %d records the gateways reported redelivered", dups, redelivered)
	}
	if dups != 0 {
		t.Errorf("%d duplicates across objects: the file sink should have rewritten each in-flight batch under its own name", dups)
	}
	checkExportOrder(t, objs)
}

// crashProducer puts records through the Kinesis API, 50 a call under 8
// keys, and keeps the ones acknowledged. A call that fails is not repeated:
// its records may or may not be stored, and new counters follow, so the
// source stream never holds a record twice.
type crashProducer struct {
	client *kinesis.Client

	mu    sync.Mutex
	next  map[string]int
	sent  map[string]bool
	acked []string
	calls int
}

func (p *crashProducer) run(ctx context.Context) {
	for ctx.Err() == nil {
		entries := make([]kinesistypes.PutRecordsRequestEntry, 0, 50)
		ids := make([]string, 0, 50)
		p.mu.Lock()
		for j := 0; j < 50; j++ {
			k := fmt.Sprintf("key%d", (p.calls*50+j)%uplinkCrashKeys)
			r := crashPayload{K: k, N: p.next[k]}
			p.next[k]++
			data, _ := json.Marshal(r)
			entries = append(entries, kinesistypes.PutRecordsRequestEntry{PartitionKey: aws.String(k), Data: data})
			ids = append(ids, r.id())
			p.sent[r.id()] = true
		}
		p.calls++
		p.mu.Unlock()
		callCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := p.client.PutRecords(callCtx, &kinesis.PutRecordsInput{StreamName: aws.String("sensors"), Records: entries})
		cancel()
		if err != nil {
			time.Sleep(20 * time.Millisecond) // the gateway is down or restarting
			continue
		}
		p.mu.Lock()
		for i, r := range out.Records {
			if r.ErrorCode == nil && i < len(ids) {
				p.acked = append(p.acked, ids[i])
			}
		}
		p.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

func (p *crashProducer) ackedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

func (p *crashProducer) acknowledged() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.acked...)
}

func (p *crashProducer) wasSent(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent[id]
}

func (p *crashProducer) sentCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

// deliveryState reads the delivery's status from the REST API, retrying
// while the gateway is starting.
func deliveryState(t *testing.T, base string) deliveryStatus {
	t.Helper()
	var last error
	for i := 0; i < 50; i++ {
		resp, err := http.Get(base + "/api/v1/deliveries/export")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var st deliveryStatus
			if err = json.Unmarshal(body, &st); err == nil && resp.StatusCode == http.StatusOK {
				return st
			}
			last = fmt.Errorf("%d %s (%v)", resp.StatusCode, body, err)
		} else {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET /api/v1/deliveries/export: %v", last)
	return deliveryStatus{}
}

// exportObject is one object of the export: its name (relative), the
// second its name carries, and its records in order.
type exportObject struct {
	name    string
	second  string
	records []exportRecord
}

type exportRecord struct {
	crashPayload
	seq string
}

// objectTime is the time in a Firehose object name:
// <delivery>-1-yyyy-MM-dd-HH-mm-ss-<uuid>.
var objectTime = regexp.MustCompile(`-1-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-[0-9a-f-]{36}`)

// readExport reads every object under dir, failing on any that does not
// decode in full: a partial object would be a torn write. Hidden temporary
// files (an object being written when the gateway died) are counted, not
// read.
func readExport(t *testing.T, dir string, gzipped bool) (objs []exportObject, temps int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.HasPrefix(d.Name(), ".") {
			temps++
			return nil
		}
		m := objectTime.FindStringSubmatch(d.Name())
		if m == nil || strings.HasSuffix(d.Name(), ".gz") != gzipped {
			t.Errorf("object %s is not named as Firehose names objects", rel)
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Errorf("object %s: %v", rel, err)
				return nil
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Errorf("object %s is not a whole gzip stream: %v", rel, err)
				return nil
			}
		}
		o := exportObject{name: rel, second: m[1]}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Stream         string       `json:"stream"`
				PartitionKey   string       `json:"partition_key"`
				SequenceNumber string       `json:"sequence_number"`
				Data           crashPayload `json:"data"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Stream != "sensors" || line.Data.K != line.PartitionKey || line.SequenceNumber == "" {
				t.Errorf("object %s: line %q does not parse as a sensors record (%v)", rel, sc.Bytes(), err)
				return nil
			}
			o.records = append(o.records, exportRecord{crashPayload: line.Data, seq: line.SequenceNumber})
		}
		if len(raw) == 0 || raw[len(raw)-1] != '\n' || len(o.records) == 0 {
			t.Errorf("object %s is empty or ends mid-line", rel)
			return nil
		}
		objs = append(objs, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return objs, temps
}

// seqLess compares sequence numbers: decimal strings, shorter is smaller.
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// checkExportOrder checks that each key's records leave in order: within
// an object its counters rise; across all objects a higher counter has a
// higher sequence number (stored in the order put); the objects split each
// key into runs that do not overlap; and an object named for an earlier
// second holds only earlier records of each key than one named for a later
// second.
func checkExportOrder(t *testing.T, objs []exportObject) {
	t.Helper()
	type span struct{ lo, hi int }
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	spans := make([]map[string]span, len(objs))
	seqs := map[string][]exportRecord{}
	for i, o := range objs {
		spans[i] = map[string]span{}
		for _, r := range o.records {
			s, ok := spans[i][r.K]
			if ok && r.N <= s.hi {
				fail("object %s: %s comes after %s/%d", o.name, r.id(), r.K, s.hi)
			}
			if !ok {
				s.lo = r.N
			}
			s.hi = r.N
			spans[i][r.K] = s
			seqs[r.K] = append(seqs[r.K], r)
		}
	}
	for k, rs := range seqs {
		sort.Slice(rs, func(i, j int) bool { return rs[i].N < rs[j].N })
		for i := 1; i < len(rs); i++ {
			if rs[i].N != rs[i-1].N && !seqLess(rs[i-1].seq, rs[i].seq) {
				fail("%s: %s/%d has sequence number %s, not after %s/%d's %s", k, k, rs[i].N, rs[i].seq, k, rs[i-1].N, rs[i-1].seq)
			}
		}
	}
	for k := range seqs {
		var runs []span
		for i := range objs {
			if s, ok := spans[i][k]; ok {
				runs = append(runs, s)
			}
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].lo < runs[j].lo })
		for i := 1; i < len(runs); i++ {
			if runs[i].lo <= runs[i-1].hi {
				fail("%s: objects overlap: counters %d-%d and %d-%d", k, runs[i-1].lo, runs[i-1].hi, runs[i].lo, runs[i].hi)
			}
		}
	}
	// By the second in their names: every earlier second's objects hold
	// only lower counters of a key than a later second's.
	order := make([]int, len(objs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return objs[order[a]].second < objs[order[b]].second })
	before := map[string]int{} // key → highest counter in earlier seconds
	for g := 0; g < len(order); {
		h := g
		for h < len(order) && objs[order[h]].second == objs[order[g]].second {
			h++
		}
		for _, i := range order[g:h] {
			for k, s := range spans[i] {
				if hi, ok := before[k]; ok && s.lo <= hi {
					fail("object %s (second %s) holds %s/%d, not after %s/%d of an earlier second", objs[i].name, objs[i].second, k, s.lo, k, hi)
				}
			}
		}
		for _, i := range order[g:h] {
			for k, s := range spans[i] {
				before[k] = max(before[k], s.hi)
			}
		}
		g = h
	}
	if bad > 10 {
		t.Errorf("… and %d more order errors", bad-10)
	}
}
