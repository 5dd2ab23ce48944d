//go:build linux && !arm && !386 && !mips && !mipsle

package uplink_test

// The deliveries' power-cut test. A child process runs a store and a
// `file` delivery on the power-cut filesystem, the delivery's objects in a
// directory of the same filesystem, as on a Pi whose delivery writes to
// its own SD card or a USB disk: both lose what was not synced. A producer
// puts records and acknowledges each put; the delivery reports what it
// re-sent after a restart. After each cut the parent checks what the cut
// left: every object whole, no checkpoint ahead of the objects on disk;
// then it runs the delivery to its end on a copy and checks that every
// acknowledged record was delivered, and that the records delivered twice
// are no more than the delivery reported as redelivered.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/powercut"
	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/file"
)

const (
	pcStream   = "src"
	pcDelivery = "export"
	pcConsumer = "tidegate-delivery-" + pcDelivery // as uplink names it
)

// pcSpec is the delivery, its objects under root/export.
func pcSpec(root string) uplink.Spec {
	return uplink.Spec{
		Name: pcDelivery, From: []string{pcStream}, BufferSize: uplink.MinBufferSize, BufferInterval: 20 * time.Millisecond,
		Format: uplink.FormatJSON, DestinationType: "file", Destination: &file.Config{Dir: filepath.Join(root, "export"), Compression: "none"},
	}
}

// pcManagerDir is the manager's directory in root: two levels that the
// first start makes, so that no other directory made in root syncs it by
// the way.
func pcManagerDir(root string) string { return filepath.Join(root, "state", "uplink") }

// pcOpen opens the store and the manager of root.
func pcOpen(root string) (*shards.Store, *uplink.Manager, error) {
	st, err := shards.Open(filepath.Join(root, "shards"), shards.Options{})
	if err != nil {
		return nil, nil, err
	}
	m := &uplink.Manager{Store: st, Dir: pcManagerDir(root), Logger: slog.New(slog.DiscardHandler), StatusStream: "-"}
	if err := m.Initialize(); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, m, nil
}

// TestPowerCutDeliveryChild puts records ("P id...", once the put
// returned) while the delivery exports them, and reports the delivery's
// redelivered count when it changes ("R n").
func TestPowerCutDeliveryChild(t *testing.T) {
	c := powercut.StartChild(t)
	st, m, err := pcOpen(c.Dir)
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	s, err := st.Stream(pcStream)
	if errors.Is(err, shards.ErrNotFound) {
		s, err = st.CreateStream(pcStream, shards.StreamConfig{Shards: 2})
	}
	if err != nil {
		c.Fatalf("stream: %v", err)
	}
	if err := m.Create(context.Background(), pcSpec(c.Dir)); err != nil {
		c.Fatalf("delivery: %v", err)
	}
	c.Ready()
	go func() {
		var reported int64
		for {
			st, err := m.Status(pcDelivery)
			if err != nil {
				c.Fatalf("status: %v", err)
			}
			if st.Redelivered != reported {
				reported = st.Redelivered
				c.Ack("R %d", reported)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	rng := rand.New(rand.NewPCG(c.Seed, 0))
	for n := 0; ; {
		entries := make([]shards.PutEntry, 1+rng.IntN(20))
		ids := make([]string, len(entries))
		for i := range entries {
			ids[i] = fmt.Sprintf("c%d-%d", c.Cycle, n)
			entries[i] = shards.PutEntry{PartitionKey: "k" + strconv.Itoa(n%8), Data: fmt.Appendf(nil, `{"id":%q}`, ids[i])}
			n++
		}
		if _, err := s.PutRecords(context.Background(), entries); err != nil {
			c.Fatalf("put: %v", err)
		}
		c.Ack("P %s", strings.Join(ids, " "))
		time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
	}
}

// pcLine is an exported record, as far as the check reads it.
type pcLine struct {
	Stream   string `json:"stream"`
	Sequence string `json:"sequence_number"`
	Data     struct {
		ID string `json:"id"`
	} `json:"data"`
}

// pcObjects reads the objects under dir as a consumer of the directory
// would (hidden temporary files skipped) and returns the record ids of
// each, by name. Every object must be whole. Objects never change once
// there (a batch sent again rewrites its object with the same bytes), so
// those in known, with the same size, are not read again.
func pcObjects(dir string, known map[string]pcObject) (map[string]pcObject, error) {
	objs := map[string]pcObject{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return fs.SkipDir
		}
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if o, ok := known[rel]; ok && o.size == info.Size() {
			objs[rel] = o
			return nil
		}
		o, err := pcReadObject(path)
		if err != nil {
			return err
		}
		o.size = info.Size()
		objs[rel] = o
		return nil
	})
	return objs, err
}

// pcObject is an object's size and the ids of its records.
type pcObject struct {
	size int64
	ids  []string
}

func pcReadObject(path string) (pcObject, error) {
	var o pcObject
	f, err := os.Open(path)
	if err != nil {
		return o, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil {
			return o, fmt.Errorf("object %s is torn after %d lines: %q", path, len(o.ids), line)
		}
		var l pcLine
		if err := json.Unmarshal(line, &l); err != nil || l.Stream != pcStream || l.Data.ID == "" {
			return o, fmt.Errorf("object %s: line %d is not a record: %q", path, len(o.ids)+1, line)
		}
		o.ids = append(o.ids, l.Data.ID)
	}
	if len(o.ids) == 0 {
		return o, fmt.Errorf("object %s is empty", path)
	}
	return o, nil
}

// pcCount counts how many times each record id is in objs.
func pcCount(objs map[string]pcObject) map[string]int {
	seen := map[string]int{}
	for _, o := range objs {
		for _, id := range o.ids {
			seen[id]++
		}
	}
	return seen
}

// pcDeliveries is what the children acknowledged, across the cycles, and
// what the checks learnt that the next ones need not learn again: the
// objects read, and per shard how far the checkpoints were checked and the
// last record. Both only grow from one cut to the next, as the records in
// the store and the checkpoints do.
type pcDeliveries struct {
	acked       []string
	redelivered int64 // reported by the children
	dups        int
	objects     map[string]pcObject
	checked     map[string]string // shard → records up to here are checked against the objects
	tips        map[string]string // shard → its last record
}

func (p *pcDeliveries) check(t *testing.T, cy *powercut.Cycle) error {
	var last int64
	for _, a := range cy.Acks {
		f := strings.Fields(a)
		switch {
		case len(f) > 1 && f[0] == "P":
			p.acked = append(p.acked, f[1:]...)
		case len(f) == 2 && f[0] == "R":
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return fmt.Errorf("bad acknowledgement %q", a)
			}
			last = n
		default:
			return fmt.Errorf("bad acknowledgement %q", a)
		}
	}
	p.redelivered += last
	if len(p.acked) == 0 {
		return nil
	}
	// What the cut left: whole objects, and every record at or before a
	// checkpoint among them (the checkpoint follows the object's sync).
	objs, err := pcObjects(filepath.Join(cy.Dir, "export"), p.objects)
	if err != nil {
		return err
	}
	p.objects = objs
	// The store and the manager's state are copied; the run to the end
	// writes its objects into an empty directory of the copy.
	root := t.TempDir()
	for _, d := range []string{"shards", "state"} {
		if _, err := os.Stat(filepath.Join(cy.Dir, d)); err == nil {
			if err := powercut.CopyDir(filepath.Join(cy.Dir, d), filepath.Join(root, d)); err != nil {
				return err
			}
		}
	}
	drained, err := p.drain(root, pcCount(objs))
	if err != nil {
		return err
	}
	more, err := pcObjects(filepath.Join(root, "export"), nil)
	if err != nil {
		return err
	}
	all := maps.Clone(objs)
	maps.Copy(all, more) // a batch sent again has the same name
	seen := pcCount(all)
	var errs []error
	missing := 0
	for _, id := range p.acked {
		if seen[id] == 0 {
			if missing++; missing <= 5 {
				errs = append(errs, fmt.Errorf("acknowledged record %s was never delivered", id))
			}
		}
	}
	if missing > 5 {
		errs = append(errs, fmt.Errorf("%d acknowledged records were never delivered in all", missing))
	}
	p.dups = 0
	for _, n := range seen {
		p.dups += n - 1
	}
	if int64(p.dups) > p.redelivered+drained {
		errs = append(errs, fmt.Errorf("%d records delivered twice; the delivery reported %d redelivered", p.dups, p.redelivered+drained))
	}
	return errors.Join(errs...)
}

// drain checks that every record up to the delivery's checkpoint of each
// shard (from where the last check got to) is among the objects seen,
// then runs the delivery in root until
// its checkpoints reach the last record of every shard, and returns what
// it re-sent.
func (p *pcDeliveries) drain(root string, seen map[string]int) (int64, error) {
	st, m, err := pcOpen(root)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	defer m.Close()
	s, err := st.Stream(pcStream)
	if errors.Is(err, shards.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	cps, err := s.Checkpoints(pcConsumer)
	if err != nil && !errors.Is(err, shards.ErrNotFound) {
		return 0, err
	}
	if p.checked == nil {
		p.checked, p.tips = map[string]string{}, map[string]string{}
	}
	for _, sh := range s.Shards() {
		shard, cp := sh.ShardID, cps[sh.ShardID]
		var behind error
		err := pcScan(s, shard, p.checked[shard], func(r shards.Record) {
			seq := r.SequenceNumber()
			p.tips[shard] = max(p.tips[shard], seq)
			if seq > cp || behind != nil {
				return
			}
			var d struct{ ID string }
			json.Unmarshal(r.Data, &d)
			if seen[d.ID] == 0 {
				behind = fmt.Errorf("shard %s: checkpoint %s is past record %s (%s), which is in no object", shard, cp, d.ID, seq)
			}
		})
		if err = errors.Join(err, behind); err != nil {
			return 0, err
		}
		p.checked[shard] = max(p.checked[shard], cp)
	}
	if err := m.Create(context.Background(), pcSpec(root)); err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		cps, err := s.Checkpoints(pcConsumer)
		if err != nil && !errors.Is(err, shards.ErrNotFound) {
			return 0, err
		}
		done := true
		for shard, tip := range p.tips {
			done = done && cps[shard] >= tip
		}
		status, err := m.Status(pcDelivery)
		if err != nil {
			return 0, err
		}
		if done {
			return status.Redelivered, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the delivery did not catch up in 20 s: checkpoints %v, last records %v, %+v", cps, p.tips, status)
		}
	}
}

// pcScan calls fn with every record of a shard after the sequence number
// after (from the start when "").
func pcScan(s *shards.Stream, shard, after string, fn func(shards.Record)) error {
	typ := shards.AfterSequenceNumber
	if after == "" {
		typ = shards.TrimHorizon
	}
	c, err := s.Iterator(shard, typ, after, time.Time{})
	if err != nil {
		return err
	}
	for {
		res, err := s.Read(c, shards.MaxRecordsPerRead)
		if err != nil {
			return err
		}
		for _, r := range res.Records {
			fn(r)
		}
		if len(res.Records) == 0 {
			return nil
		}
		c = res.Next
	}
}

func TestPowerCutDelivery(t *testing.T) {
	p := &pcDeliveries{}
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutDeliveryChild",
		Cycles:  30,
		MaxAcks: 100,
		MaxWait: time.Second,
		Tear:    true,
		Check:   func(cy *powercut.Cycle) error { return p.check(t, cy) },
	})
	if len(p.acked) == 0 {
		t.Fatal("no record was acknowledged: the test tested nothing")
	}
	t.Logf("%d records acknowledged and delivered; %d re-sent after a cut by the children, %d delivered twice after the last", len(p.acked), p.redelivered, p.dups)
	t.Logf("deliveries power-cut test: %v", st)
}
