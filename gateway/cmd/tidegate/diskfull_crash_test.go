package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/internal/disk/disktest"
	"github.com/tidegate/tidegate/shards"
)

// TestSIGKILLOnAFullDisk: `tidegate run` on a real 24 MiB filesystem, fed
// through the Kinesis API until the disk is full while a delivery forwards
// the stream, killed with SIGKILL while producers keep putting, and started
// again on the full disk: it starts, /readyz and `tidegate status` say the
// disk is full, and once space returns it takes records again. Every
// acknowledged record is there, once, and delivered.
func TestSIGKILLOnAFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the gateway: not in -short")
	}
	mnt := disktest.Tmpfs(t, 24<<20)
	dataDir := filepath.Join(mnt, "data")
	port := freePort(t)
	endpoint := "http://127.0.0.1:" + port
	cfgFile := filepath.Join(t.TempDir(), "tidegate.yaml")
	out := t.TempDir() // the delivery's objects: another disk
	cfg := fmt.Sprintf(`data_dir: %s
listen: {http: 127.0.0.1:%s}
streams: [{name: sensors, shards: 2}]
mqtt: {listen: "-"}
deliveries:
  - {name: out, from: sensors, to: {type: file, dir: %s}, buffer: {interval: 0s}, format: json}
`, dataDir, port, out)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, bytes.Repeat([]byte{'f'}, 12<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	gw := startGatewayProcess(t, cfgFile)
	kc := kinesis.New(kinesis.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("any", "thing", ""), RetryMaxAttempts: 1})

	var mu sync.Mutex
	acked := map[string]string{} // record id → sequence number
	next := 0
	// put sends a batch and says how many records were refused for a full
	// disk; a call that fails (the gateway killed under it) counts nothing.
	put := func(who int) (refused int, err error) {
		mu.Lock()
		var entries []types.PutRecordsRequestEntry
		var ids []string
		for range 20 {
			id := fmt.Sprintf("%d-%06d", who, next)
			next++
			ids = append(ids, id)
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(id),
				Data: append([]byte(id+"|"), bytes.Repeat([]byte{'x'}, 16<<10)...)})
		}
		mu.Unlock()
		res, err := kc.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String("sensors"), Records: entries})
		if err != nil {
			return 0, err
		}
		mu.Lock()
		defer mu.Unlock()
		for i, r := range res.Records {
			switch {
			case r.SequenceNumber != nil:
				acked[ids[i]] = *r.SequenceNumber
			case aws.ToString(r.ErrorCode) == "ProvisionedThroughputExceededException" && strings.HasPrefix(aws.ToString(r.ErrorMessage), "data directory full: "):
				refused++
			default:
				t.Errorf("record refused with %s: %s", aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			}
		}
		return refused, nil
	}
	for {
		refused, err := put(0)
		if err != nil {
			t.Fatal(err)
		}
		if refused > 0 {
			break
		}
	}
	t.Logf("the disk is full after %d records", len(acked))

	// Producers keep putting while the gateway is killed.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 1; w <= 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				put(w)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	syscall.Kill(gw.Process.Pid, syscall.SIGKILL)
	gw.Wait()
	close(stop)
	wg.Wait()

	gw = startGatewayProcess(t, cfgFile)
	if code, body := httpGet(t, endpoint+"/readyz"); code != 503 || !strings.Contains(body, "data directory full: ") {
		t.Errorf("/readyz after the restart on a full disk: %d %q", code, body)
	}
	status, err := tidegate(t, "status", "--endpoint", endpoint).CombinedOutput()
	if err != nil || !strings.Contains(string(status), "NOT READY: data directory full: ") || !strings.Contains(string(status), "FULL since") {
		t.Errorf("tidegate status on a full disk: %v\n%s", err, status)
	}
	t.Logf("tidegate status:\n%s", status)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := httpGet(t, endpoint+"/readyz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready after space returned")
		}
	}
	if refused, err := put(0); err != nil || refused != 0 {
		t.Fatalf("after space returned: %d refused, %v", refused, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		delivered := deliveredSequences(t, out)
		missing := 0
		for _, seq := range acked {
			if !delivered[seq] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged records never delivered", missing)
		}
	}
	gw.Process.Signal(syscall.SIGTERM)
	gw.Wait()

	st, err := shards.Open(filepath.Join(dataDir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stream("sensors")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, sh := range s.Shards() {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				id, _, _ := strings.Cut(string(r.Data), "|")
				seen[id]++
				if seq, ok := acked[id]; ok && seq != r.SequenceNumber() {
					t.Errorf("record %s acknowledged as %s, stored as %s", id, seq, r.SequenceNumber())
				}
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged record %s stored %d times", id, seen[id])
		}
	}
	t.Logf("%d acknowledged records, all kept", len(acked))
}

// deliveredSequences reads a file delivery's objects (format: json): the
// sequence numbers delivered.
func deliveredSequences(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var r struct {
				Seq string `json:"sequence_number"`
			}
			if json.Unmarshal(line, &r) == nil && r.Seq != "" {
				out[r.Seq] = true
			}
		}
		return nil
	})
	return out
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
