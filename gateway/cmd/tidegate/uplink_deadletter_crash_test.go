package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tidegate/tidegate/shards"
)

// The dead-letter path's durability test: an `s3` delivery (gofakes3, in
// this process) whose HTTP transform (also here) fails every fifth record,
// while the gateway is killed with SIGKILL and restarted. The data writes
// are slow, so most kills land after a batch's failed records were
// dead-lettered and before its checkpoint: the batch is replayed, its
// records run through the transform again and fail again. Afterwards each
// failed record is in the dead-letter stream once and in one error object
// once (a replay overwrites the error object, under the batch's name), and
// every other acknowledged record is in one data object once.
func TestDeadLetteringSurvivesSIGKILL(t *testing.T) {
	const kills = 4
	failed := func(p crashPayload) bool { return p.N%5 == 3 }

	backend := s3mem.New()
	if err := backend.CreateBucket("export"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend).Server()
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/data/") {
			time.Sleep(150 * time.Millisecond) // a slow uplink: kills land mid-send
		}
		fake.ServeHTTP(w, r)
	}))
	defer store.Close()
	transform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Records []struct {
				RecordID string `json:"recordId"`
				Data     []byte `json:"data"`
			} `json:"records"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type answer struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
			Data     []byte `json:"data,omitempty"`
		}
		out := struct {
			Records []answer `json:"records"`
		}{}
		for _, rec := range ev.Records {
			var p crashPayload
			json.Unmarshal(rec.Data, &p)
			a := answer{RecordID: rec.RecordID, Result: "Ok", Data: rec.Data}
			if failed(p) {
				a = answer{RecordID: rec.RecordID, Result: "ProcessingFailed"}
			}
			out.Records = append(out.Records, a)
		}
		json.NewEncoder(w).Encode(out)
	}))
	defer transform.Close()

	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "EXPORTER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "exporter-secret")
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
streams: [{name: sensors, shards: 2}]
mqtt: {listen: "-"}
rtsp: {listen: "-"}
deliveries:
  - name: export
    from: sensors
    transform: {type: http, url: "%s/transform"}
    to: {type: s3, bucket: export, endpoint: %q, region: us-east-1, prefix: data/, error_prefix: errors/}
    buffer: {interval: 200ms}
    format: json
`, filepath.Join(dir, "data"), port, transform.URL, store.URL)
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

	for kill := 1; kill <= kills; kill++ {
		time.Sleep(time.Duration(400+rand.IntN(800)) * time.Millisecond)
		st := deliveryState(t, base)
		syscall.Kill(gw.Process.Pid, syscall.SIGKILL)
		gw.Wait()
		t.Logf("kill %d: %d records acknowledged; the gateway had delivered %d, dead-lettered %d", kill, p.ackedCount(), st.RecordsDelivered, st.DeadLettered)
		gw = startGatewayProcess(t, cfgFile)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	<-produced
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st := deliveryState(t, base); st.BacklogRecords == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery did not catch up: %+v", deliveryState(t, base))
		}
	}
	gw.Process.Signal(syscall.SIGTERM)
	gw.Wait()

	// What the store holds: data lines and error records.
	s3c := awss3.New(awss3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(store.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("EXPORTER", "exporter-secret", ""),
	})
	inData, inErrors := map[string]int{}, map[string]int{}
	errorObjects := 0
	for _, key := range listKeys(t, s3c, "export") {
		body := getObject(t, s3c, "export", key)
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<20)
		switch {
		case strings.HasPrefix(key, "data/"):
			for sc.Scan() {
				var line struct{ Data crashPayload }
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Data.K == "" {
					t.Fatalf("object %s: line %q: %v", key, sc.Bytes(), err)
				}
				inData[line.Data.id()]++
			}
		case strings.HasPrefix(key, "errors/"):
			errorObjects++
			for sc.Scan() {
				var e struct {
					ErrorCode string `json:"errorCode"`
					RawData   string `json:"rawData"`
				}
				raw, err := base64.StdEncoding.DecodeString(gjson(t, sc.Bytes(), &e).RawData)
				var rec crashPayload
				if err != nil || json.Unmarshal(raw, &rec) != nil || e.ErrorCode != "Lambda.ProcessingFailedStatus" {
					t.Fatalf("error object %s: line %q", key, sc.Bytes())
				}
				inErrors[rec.id()]++
			}
		default:
			t.Errorf("object %s is neither data nor errors", key)
		}
	}

	// What the dead-letter stream holds.
	inDeadLetter := map[string]int{}
	st, err := shards.Open(filepath.Join(dir, "data", "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if dl, err := st.Stream("deadletter"); err == nil {
		for _, sh := range dl.Shards() {
			c, _ := dl.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
			for {
				res, err := dl.Read(c, shards.MaxRecordsPerRead)
				if err != nil || len(res.Records) == 0 {
					break
				}
				for _, r := range res.Records {
					var e struct {
						RawData string `json:"rawData"`
					}
					raw, _ := base64.StdEncoding.DecodeString(gjson(t, r.Data, &e).RawData)
					var rec crashPayload
					json.Unmarshal(raw, &rec)
					inDeadLetter[rec.id()]++
				}
				c = res.Next
			}
		}
	}

	acked := p.acknowledged()
	wantFailed, twiceDL, twiceErr, twiceData, missing := 0, 0, 0, 0, 0
	for _, id := range acked {
		var rec crashPayload
		fmt.Sscanf(strings.Replace(id, "/", " ", 1), "%s %d", &rec.K, &rec.N)
		if !failed(rec) {
			switch n := inData[id]; {
			case n == 0:
				missing++
			case n > 1:
				twiceData++
			}
			continue
		}
		wantFailed++
		switch n := inDeadLetter[id]; {
		case n == 0:
			missing++
		case n > 1:
			twiceDL++
		}
		switch n := inErrors[id]; {
		case n == 0:
			missing++
		case n > 1:
			twiceErr++
		}
		if inData[id] != 0 {
			t.Errorf("failed record %s is in a data object", id)
		}
	}
	t.Logf("%d records acknowledged, %d of them failed by the transform; %d error objects; %d in the dead-letter stream",
		len(acked), wantFailed, errorObjects, len(inDeadLetter))
	if wantFailed == 0 {
		t.Fatal("no record went through the failing path")
	}
	if missing > 0 {
		t.Errorf("%d acknowledged records are in neither their data object nor the dead-letter stream and an error object", missing)
	}
	if twiceDL > 0 || twiceErr > 0 || twiceData > 0 {
		t.Errorf("stored twice: %d failed records in the dead-letter stream, %d in error objects; %d delivered records in data objects", twiceDL, twiceErr, twiceData)
	}
}

// gjson decodes a JSON line into v and returns it, failing the test on bad
// JSON.
func gjson[T any](t *testing.T, line []byte, v *T) *T {
	t.Helper()
	if err := json.Unmarshal(line, v); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return v
}

func listKeys(t *testing.T, c *awss3.Client, bucket string) []string {
	t.Helper()
	var keys []string
	pages := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func getObject(t *testing.T, c *awss3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
