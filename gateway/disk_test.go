package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/internal/disk/disktest"
	"github.com/tidegate/tidegate/shards"
)

// smallDisk is a data directory on a disk of a few MiB: a real tmpfs where
// the test may mount one (it answers ENOSPC, so bookkeeping really writes
// into the reserve), else a counted disk (disktest.Quota) the gateway's guard
// samples instead of statfs, on any machine.
type smallDisk struct {
	dataDir string
	quota   *disktest.Quota // nil on a tmpfs
	filler  string          // on the tmpfs, beside the data directory
}

// smallDisks runs test on each kind of small disk of size bytes.
func smallDisks(t *testing.T, size int64, test func(t *testing.T, d *smallDisk)) {
	t.Run("tmpfs", func(t *testing.T) {
		mnt := disktest.Tmpfs(t, size)
		test(t, &smallDisk{dataDir: filepath.Join(mnt, "data"), filler: filepath.Join(mnt, "filler")})
	})
	t.Run("counted", func(t *testing.T) {
		dir := t.TempDir()
		test(t, &smallDisk{dataDir: dir, quota: &disktest.Quota{Dir: dir, Size: size}})
	})
}

// statfs is what the gateway's guard samples: nil (statfs) on a tmpfs.
func (d *smallDisk) statfs() func(string) (disk.Space, error) {
	if d.quota == nil {
		return nil
	}
	return d.quota.Statfs
}

// fill takes n bytes of the disk, as another program's files would.
func (d *smallDisk) fill(t *testing.T, n int64) {
	t.Helper()
	if d.quota != nil {
		d.quota.Fill(n)
		return
	}
	if err := os.WriteFile(d.filler, bytes.Repeat([]byte{'f'}, int(n)), 0o644); err != nil {
		t.Fatalf("filler: %v", err)
	}
}

// unfill gives back what fill took: space returns.
func (d *smallDisk) unfill(t *testing.T, n int64) {
	t.Helper()
	if d.quota != nil {
		d.quota.Fill(-n)
		return
	}
	if err := os.Remove(d.filler); err != nil {
		t.Fatal(err)
	}
}

// startOnDisk starts a gateway for yaml on d, logging into logs.
func startOnDisk(t *testing.T, d *smallDisk, yaml string, logs *lockedBuffer) *Gateway {
	t.Helper()
	cfg := testConfig(t, yaml)
	cfg.DataDir = d.dataDir
	g := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), "test")
	g.statfs = d.statfs()
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return g
}

var diskFullMessage = regexp.MustCompile(`^data directory full: \d+ bytes free, reserve \d+$`)

// The scenario: a gateway on a 24 MiB disk fed through the Kinesis
// API until the disk is full. Every acknowledged record is kept; the
// refusals are per record, retryable and say why; /readyz, /metrics, the
// root page, the status API and the status stream say so; the log says it
// once when it begins and once when it ends; a delivery keeps delivering
// and checkpointing and a consumer can still be registered (bookkeeping in
// the reserve); writes resume by themselves when space returns.
func TestAFullDiskThroughTheKinesisAPI(t *testing.T) {
	smallDisks(t, 24<<20, func(t *testing.T, d *smallDisk) {
		ctx := context.Background()
		out := t.TempDir() // the delivery's objects: another disk
		var logs lockedBuffer
		g := startOnDisk(t, d, fmt.Sprintf(`streams: [{name: sensors, shards: 2}]
deliveries:
  - name: out
    from: sensors
    to: { type: file, dir: %s }
    buffer: { interval: 0s }
`, out), &logs)
		base := "http://" + g.Addr().String()
		const filler = 12 << 20 // given back at the end: the way space returns
		d.fill(t, filler)
		kc := kinesisClient(g, "any", "thing")

		acked := map[string]string{} // record id → sequence number
		next := 0
		putBatch := func() (ok, refused int) {
			t.Helper()
			var entries []types.PutRecordsRequestEntry
			var ids []string
			for range 50 {
				id := fmt.Sprintf("%06d", next)
				next++
				ids = append(ids, id)
				entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("dev-" + id[4:]),
					Data: append([]byte(id+"|"), bytes.Repeat([]byte{'x'}, 8<<10)...)})
			}
			res, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("sensors"), Records: entries})
			if err != nil {
				t.Fatalf("PutRecords answered %v; a full disk is answered per record", err)
			}
			for i, r := range res.Records {
				if r.SequenceNumber != nil {
					acked[ids[i]] = *r.SequenceNumber
					ok++
					continue
				}
				refused++
				if code, msg := aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage); code != "ProvisionedThroughputExceededException" || !diskFullMessage.MatchString(msg) {
					t.Fatalf("record refused with %s: %q", code, msg)
				}
			}
			return ok, refused
		}
		for {
			if _, refused := putBatch(); refused > 0 {
				break
			}
			if next > 5000 {
				t.Fatal("never refused")
			}
		}
		for range 5 { // full stays full: every record of the next calls is refused
			if ok, _ := putBatch(); ok != 0 {
				t.Fatalf("%d records taken on a full disk", ok)
			}
		}
		t.Logf("%d records acknowledged, then refused", len(acked))
		_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("sensors"), PartitionKey: aws.String("k"), Data: []byte("one")})
		if code := apiCode(err); code != "ProvisionedThroughputExceededException" || !strings.Contains(err.Error(), "data directory full: ") {
			t.Errorf("PutRecord on a full disk: %v", err)
		}

		if code, body := get(t, http.DefaultClient, base+"/readyz"); code != 503 || !strings.Contains(body, "not ready: data directory full: ") {
			t.Errorf("/readyz: %d %q", code, body)
		}
		_, metrics := get(t, http.DefaultClient, base+"/metrics")
		for _, want := range []string{"tidegate_disk_full 1", "tidegate_disk_free_bytes ", "tidegate_disk_reserve_bytes ",
			`tidegate_disk_used_bytes{store="shards"} `, `tidegate_api_records_rejected_total{api="kinesis",code="ProvisionedThroughputExceededException",stream="sensors"}`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics has no %s", want)
			}
		}
		if _, home := get(t, http.DefaultClient, base+"/"); !strings.Contains(home, "NOT READY: data directory full") || !strings.Contains(home, "FULL since") {
			t.Errorf("root page:\n%s", home)
		}
		var st Status
		_, body := get(t, http.DefaultClient, base+"/api/v1/status")
		if err := json.Unmarshal([]byte(body), &st); err != nil || st.Ready || st.Disk == nil || !st.Disk.Full || st.Disk.Refused == 0 {
			t.Errorf("status %s: %v", body, err)
		}

		// Bookkeeping in the reserve: the delivery delivers all and
		// checkpoints; a consumer is registered.
		waitFor(t, "the delivery to deliver every acknowledged record", func() bool {
			s, err := g.Deliveries().Status("out")
			return err == nil && s.RecordsDelivered == int64(len(acked)) && len(s.Positions["sensors"]) == 2
		})
		arn := streamARN(t, kc, "sensors")
		if _, err := kc.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: arn, ConsumerName: aws.String("app")}); err != nil {
			t.Errorf("RegisterStreamConsumer on a full disk: %v", err)
		}
		waitFor(t, "a disk_full event", func() bool { return len(diskEvents(t, g)) == 1 })

		d.unfill(t, filler)
		waitFor(t, "/readyz to say ready", func() bool {
			code, _ := get(t, http.DefaultClient, base+"/readyz")
			return code == 200
		})
		if ok, refused := putBatch(); ok != 50 || refused != 0 {
			t.Errorf("after space returned: %d taken, %d refused", ok, refused)
		}
		waitFor(t, "a disk_ok event", func() bool { return len(diskEvents(t, g)) == 2 })
		ev := diskEvents(t, g)
		if ev[0]["event"] != "disk_full" || !diskFullMessage.MatchString(fmt.Sprint(ev[0]["reason"])) || ev[1]["event"] != "disk_ok" {
			t.Errorf("events %v", ev)
		}
		if n := strings.Count(logs.String(), "data directory full: new data refused"); n != 1 {
			t.Errorf("the log says the disk is full %d times:\n%s", n, logs.String())
		}
		if n := strings.Count(logs.String(), "has room again"); n != 1 {
			t.Errorf("the log says the disk has room %d times", n)
		}

		got := recordIDs(t, g.Store(), "sensors")
		for id, seq := range acked {
			if got[id] != seq {
				t.Fatalf("acknowledged record %s (%s) read back as %q", id, seq, got[id])
			}
		}
	})
}

// diskEvents are the disk's events in the status stream.
func diskEvents(t *testing.T, g *Gateway) []map[string]any {
	t.Helper()
	var out []map[string]any
	s, err := g.Store().Stream("uplink-status")
	if err != nil {
		return nil
	}
	for _, sh := range s.Shards() {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		res, err := s.Read(c, shards.MaxRecordsPerRead)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			var e map[string]any
			if r.PartitionKey == "disk" && json.Unmarshal(r.Data, &e) == nil {
				out = append(out, e)
			}
		}
	}
	return out
}

// recordIDs reads a stream whole: the id before "|" in each record's
// data → its sequence number.
func recordIDs(t *testing.T, st *shards.Store, name string) map[string]string {
	t.Helper()
	s, err := st.Stream(name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, sh := range s.Shards() {
		c, _ := s.Iterator(sh.ShardID, shards.TrimHorizon, "", time.Time{})
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				id, _, _ := strings.Cut(string(r.Data), "|")
				out[id] = r.SequenceNumber()
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return out
}

func streamARN(t *testing.T, kc *kinesis.Client, name string) *string {
	t.Helper()
	out, err := kc.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.StreamDescriptionSummary.StreamARN
}

// The same disk filled through MQTT: publishes that do not fit are not
// acknowledged, and counted as refused for a full disk; a persistent
// session subscribes meanwhile (the session store writes in the reserve);
// every acknowledged message is kept, and publishing resumes when space
// returns.
func TestAFullDiskThroughMQTT(t *testing.T) {
	smallDisks(t, 24<<20, func(t *testing.T, d *smallDisk) {
		var logs lockedBuffer
		g := startOnDisk(t, d, "streams: [{name: sensors, shards: 1}]\n", &logs)
		const filler = 12 << 20
		d.fill(t, filler)
		connect := func(id string, clean bool) paho.Client {
			t.Helper()
			c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + g.MQTTAddr()).SetClientID(id).
				SetCleanSession(clean).SetAutoReconnect(false).SetConnectRetry(false))
			if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("connect %s: %v", id, tok.Error())
			}
			return c
		}
		pub := connect("dev-1", true)
		acked := map[string]bool{}
		payload := func(id string) []byte { return append([]byte(id+"|"), bytes.Repeat([]byte{'m'}, 8<<10)...) }
		next := 0
		for {
			id := fmt.Sprintf("%06d", next)
			next++
			tok := pub.Publish("streams/sensors/dev-1", 1, false, payload(id))
			if tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
				acked[id] = true
				continue
			}
			break // not acknowledged: the broker refused it and let the client go
		}
		pub.Disconnect(0)
		t.Logf("%d messages acknowledged, then refused", len(acked))
		if len(acked) < 100 {
			t.Fatalf("only %d messages before the disk was full", len(acked))
		}
		stats := g.mqtt.Stats().Sources["embedded"]
		if stats.DiskFull == 0 || stats.Refused < stats.DiskFull {
			t.Errorf("mqtt counters %+v", stats)
		}
		_, metrics := get(t, http.DefaultClient, "http://"+g.Addr().String()+"/metrics")
		if !strings.Contains(metrics, `tidegate_mqtt_messages_total{outcome="refused_disk_full",source="embedded"} `) {
			t.Error("/metrics does not count refusals for a full disk")
		}
		// A persistent session is stored before its SUBACK: in the reserve.
		sub := connect("watcher", false)
		if tok := sub.Subscribe("alerts/#", 1, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe on a full disk: %v", tok.Error())
		}
		sub.Disconnect(0)
		// Still full: another publish is refused, and refusals are not logged one by one.
		pub = connect("dev-1", true)
		if tok := pub.Publish("streams/sensors/dev-1", 1, false, payload("refused")); tok.WaitTimeout(3*time.Second) && tok.Error() == nil {
			t.Error("a publish was acknowledged on a full disk")
		}
		if n := strings.Count(logs.String(), "message not stored"); n != 0 {
			t.Errorf("%d log lines for refused messages", n)
		}

		d.unfill(t, filler)
		waitFor(t, "room again", func() bool { return !g.diskState().Full })
		pub = connect("dev-1", true)
		for range 10 {
			id := fmt.Sprintf("%06d", next)
			next++
			if tok := pub.Publish("streams/sensors/dev-1", 1, false, payload(id)); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("publish after space returned: %v", tok.Error())
			}
			acked[id] = true
		}
		pub.Disconnect(0)
		got := recordIDs(t, g.Store(), "sensors")
		for id := range acked {
			if _, ok := got[id]; !ok {
				t.Fatalf("acknowledged message %s is not in the stream", id)
			}
		}
	})
}

// An overwrite_oldest stream (with a byte limit the disk cannot hold) takes
// twice the disk through the Kinesis API: it drops its oldest whole
// segments as the disk fills, refuses nothing, and never makes the gateway
// unready; what it holds is its newest records, in order.
func TestOverwriteOldestOnAFullDisk(t *testing.T) {
	smallDisks(t, 24<<20, func(t *testing.T, d *smallDisk) {
		ctx := context.Background()
		var logs lockedBuffer
		g := startOnDisk(t, d, "streams: [{name: ring, shards: 1, max_bytes: 1GiB, on_full: overwrite_oldest}]\n", &logs)
		kc := kinesisClient(g, "any", "thing")
		base := "http://" + g.Addr().String()
		const calls = 120 // 120 × 50 × 8 KiB: 47 MiB through a 24 MiB disk
		for call := range calls {
			var entries []types.PutRecordsRequestEntry
			for i := range 50 {
				entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"),
					Data: append(fmt.Appendf(nil, "%06d|", call*50+i), bytes.Repeat([]byte{'r'}, 8<<10)...)})
			}
			res, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("ring"), Records: entries})
			if err != nil || aws.ToInt32(res.FailedRecordCount) != 0 {
				t.Fatalf("call %d: %v, %+v", call, err, res)
			}
			if call%20 == 0 {
				if code, body := get(t, http.DefaultClient, base+"/readyz"); code != 200 {
					t.Fatalf("/readyz after %d calls: %d %q", call, code, body)
				}
			}
		}
		ids := recordIDs(t, g.Store(), "ring")
		first := calls*50 - len(ids)
		if first <= 0 || len(ids) < 500 {
			t.Fatalf("the ring holds %d of %d records", len(ids), calls*50)
		}
		for i := first; i < calls*50; i++ {
			if _, ok := ids[fmt.Sprintf("%06d", i)]; !ok {
				t.Fatalf("the ring holds %d records but not %06d: not its newest", len(ids), i)
			}
		}
		if st := g.diskState(); st.Full || st.Refused != 0 || strings.Contains(logs.String(), "data directory full") {
			t.Errorf("the ring made the disk full: %+v\n%s", st, logs.String())
		}
		t.Logf("the ring holds the newest %d of %d records; %d bytes free", len(ids), calls*50, g.diskState().Free)
	})
}

// storage.reserve changes on reload: a larger reserve than what is free
// makes the gateway refuse new data and unready at once, and the old one
// takes it back.
func TestStorageReserveReloads(t *testing.T) {
	dir := t.TempDir()
	d := &smallDisk{dataDir: dir, quota: &disktest.Quota{Dir: dir, Size: 100 << 20}}
	var logs lockedBuffer
	g := startOnDisk(t, d, "streams: [{name: sensors}]\n", &logs)
	base := "http://" + g.Addr().String()
	reload := func(reserve string) {
		t.Helper()
		next := testConfig(t, "streams: [{name: sensors}]\nstorage: {reserve: \""+reserve+"\"}\n")
		next.DataDir, next.Listen, next.MQTT = g.cfg.Load().DataDir, g.cfg.Load().Listen, g.cfg.Load().MQTT
		applied, _, err := g.Reload(next)
		if err != nil || !strings.Contains(strings.Join(applied, ";"), "storage.reserve") {
			t.Fatalf("reload %s: %v %v", reserve, applied, err)
		}
	}
	reload("50%") // nearly all of the disk is free
	if code, _ := get(t, http.DefaultClient, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz with half the disk in reserve: %d", code)
	}
	d.quota.Fill(60 << 20) // 40 MiB free, 50 in reserve
	waitFor(t, "the full state", func() bool {
		code, _ := get(t, http.DefaultClient, base+"/readyz")
		return code == 503
	})
	s, _ := g.Store().Stream("sensors")
	if _, err := s.PutRecord(context.Background(), shards.PutEntry{PartitionKey: "k", Data: []byte("x")}); err == nil {
		t.Error("a put was taken with 40 MiB free and 50 in reserve")
	}
	reload("10MiB")
	if code, body := get(t, http.DefaultClient, base+"/readyz"); code != 200 {
		t.Errorf("/readyz after the reserve went back down: %d %q", code, body)
	}
	if _, err := s.PutRecord(context.Background(), shards.PutEntry{PartitionKey: "k", Data: []byte("x")}); err != nil {
		t.Errorf("put: %v", err)
	}
}
