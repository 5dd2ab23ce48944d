//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

// Programs that mmap their files (bbolt reads its database through a
// shared map) run in a child process: the FUSE server runs in the test
// process, which must not fault on its own mount's pages.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/tidegate/tidegate/internal/durable"
)

// runScenario mounts backing (prepared by the caller), runs a child test
// until it has acknowledged n steps, kills it, cuts and returns the acks.
func runScenario(t *testing.T, child string, n int) (backing string, acks []string) {
	t.Helper()
	fs, backing, mnt := mountDirs(t, map[string]string{"old": strings.Repeat("o", 2*pageSize)})
	c, err := startChild(child, mnt, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.waitAcks(n, time.Minute)
	if err := c.kill(); err != nil {
		t.Fatal(err)
	}
	if len(c.acks) < n {
		t.Fatalf("the child acknowledged %v, want %d steps", c.acks, n)
	}
	cut(t, fs, CutOptions{})
	return backing, c.acks
}

func TestMmapChild(t *testing.T) {
	c := StartChild(t)
	want := func(m []byte, off int, s string) {
		if got := string(m[off : off+len(s)]); got != s {
			c.Fatalf("the map shows %q at %d, want %q", got, off, s)
		}
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "new"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := f.Write(bytes.Repeat([]byte("a"), 2*pageSize)); err != nil {
		c.Fatalf("%v", err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, 3*pageSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		c.Fatalf("mmap: %v", err)
	}
	want(m, 0, strings.Repeat("a", 2*pageSize))
	// Writes after the map was made, to cached pages and to new ones.
	if _, err := f.WriteAt([]byte("bbbb"), 100); err != nil {
		c.Fatalf("%v", err)
	}
	want(m, 96, "aaaabbbbaaaa")
	if _, err := f.WriteAt(bytes.Repeat([]byte("c"), pageSize), pageSize); err != nil {
		c.Fatalf("%v", err)
	}
	want(m, pageSize-2, "aa"+strings.Repeat("c", pageSize))
	if err := f.Truncate(3 * pageSize); err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := f.WriteAt([]byte("dd"), 2*pageSize+10); err != nil {
		c.Fatalf("%v", err)
	}
	want(m, 2*pageSize, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00dd\x00")
	// A durable file with unsynced writes, mapped afterwards: the kernel
	// reads the pages from the overlay.
	g, err := os.OpenFile(filepath.Join(c.Dir, "old"), os.O_RDWR, 0)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := g.WriteAt([]byte("new"), pageSize+5); err != nil {
		c.Fatalf("%v", err)
	}
	gm, err := unix.Mmap(int(g.Fd()), 0, 2*pageSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		c.Fatalf("mmap: %v", err)
	}
	want(gm, pageSize, "ooooonewooo")
	want(gm, 0, "oooo")
	c.Ack("mmap")
	select {}
}

// TestMmapSeesBufferedWrites: a shared map shows writes that are not
// durable, made before or after the map, and the cut drops them.
func TestMmapSeesBufferedWrites(t *testing.T) {
	backing, _ := runScenario(t, "TestMmapChild", 1)
	wantMissing(t, filepath.Join(backing, "new"))
	wantFile(t, filepath.Join(backing, "old"), strings.Repeat("o", 2*pageSize))
}

func boltKey(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

func boltValue(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("value %d;", i)), 1+i*37%200)
}

var boltBucket = []byte("b")

func TestBoltChild(t *testing.T) {
	c := StartChild(t)
	db, err := bolt.Open(filepath.Join(c.Dir, "bolt.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if err := durable.SyncDir(c.Dir); err != nil {
		c.Fatalf("%v", err)
	}
	// Enough to grow the file several times: bbolt truncates it larger,
	// fsyncs and maps it again.
	for tx := 0; tx < 20; tx++ {
		err := db.Update(func(tx0 *bolt.Tx) error {
			b, err := tx0.CreateBucketIfNotExists(boltBucket)
			if err != nil {
				return err
			}
			for i := tx * 100; i < tx*100+100; i++ {
				if err := b.Put(boltKey(i), boltValue(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			c.Fatalf("update: %v", err)
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		for i := 0; i < 2000; i++ {
			if got := tx.Bucket(boltBucket).Get(boltKey(i)); !bytes.Equal(got, boltValue(i)) {
				return fmt.Errorf("key %d reads back %.40q", i, got)
			}
		}
		return nil
	})
	if err != nil {
		c.Fatalf("%v", err)
	}
	c.Ack("roundtrip")
	put := func(k string) {
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(boltBucket).Put([]byte(k), []byte(k)) }); err != nil {
			c.Fatalf("put %s: %v", k, err)
		}
	}
	put("committed")
	c.Ack("committed")
	db.NoSync = true
	put("never synced")
	if err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(boltBucket).Get([]byte("never synced")) == nil {
			return errors.New("the unsynced commit does not read back")
		}
		return nil
	}); err != nil {
		c.Fatalf("%v", err)
	}
	c.Ack("never synced")
	select {}
}

// TestBoltCommitSurvivesTheCut: bbolt works on the mount, and a committed
// transaction (fdatasync'd) survives a cut while one committed with
// NoSync does not.
func TestBoltCommitSurvivesTheCut(t *testing.T) {
	backing, _ := runScenario(t, "TestBoltChild", 3)
	db, err := bolt.Open(filepath.Join(backing, "bolt.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open after the cut: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(boltBucket)
		for i := 0; i < 2000; i++ {
			if got := b.Get(boltKey(i)); !bytes.Equal(got, boltValue(i)) {
				return fmt.Errorf("key %d: %.40q after the cut", i, got)
			}
		}
		if b.Get([]byte("committed")) == nil {
			return errors.New("the committed transaction is lost")
		}
		if b.Get([]byte("never synced")) != nil {
			return errors.New("the transaction committed with NoSync survived the cut")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBoltPowerCutChild(t *testing.T) {
	c := StartChild(t)
	db, err := bolt.Open(filepath.Join(c.Dir, "bolt.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		c.Fatalf("open: %v", err)
	}
	if err := durable.SyncDir(c.Dir); err != nil {
		c.Fatalf("%v", err)
	}
	next := 1
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(boltBucket)
		if err != nil {
			return err
		}
		if k, _ := b.Cursor().Last(); k != nil {
			next = int(binary.BigEndian.Uint64(k)) + 1
		}
		return nil
	}); err != nil {
		c.Fatalf("%v", err)
	}
	c.Ready()
	for ; ; next++ {
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(boltBucket).Put(boltKey(next), boltValue(next)) }); err != nil {
			c.Fatalf("put %d: %v", next, err)
		}
		c.Ack("%d", next)
	}
}

// checkBolt: the keys are 1 to k, every one intact, with k the last
// acknowledged or the one after it.
func checkBolt(acked *int) func(*Cycle) error {
	return func(cy *Cycle) error {
		for _, a := range cy.Acks {
			n, err := strconv.Atoi(a)
			if err != nil {
				return fmt.Errorf("bad acknowledgement %q", a)
			}
			*acked = max(*acked, n)
		}
		path := filepath.Join(cy.Dir, "bolt.db")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && *acked == 0 {
			return nil
		}
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			return fmt.Errorf("open after the cut: %w", err)
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(boltBucket)
			if b == nil {
				if *acked > 0 {
					return errors.New("the bucket is gone")
				}
				return nil
			}
			want := 1
			err := b.ForEach(func(k, v []byte) error {
				i := int(binary.BigEndian.Uint64(k))
				if i != want {
					return fmt.Errorf("key %d where %d should be", i, want)
				}
				if !bytes.Equal(v, boltValue(i)) {
					return fmt.Errorf("key %d: value damaged", i)
				}
				want++
				return nil
			})
			switch last := want - 1; {
			case err != nil:
				return err
			case last < *acked:
				return fmt.Errorf("keys up to %d survived; %d was acknowledged", last, *acked)
			case last > *acked+1:
				return fmt.Errorf("keys up to %d survived; only %d was acknowledged and one more in flight", last, *acked)
			default:
				*acked = last
			}
			return nil
		})
	}
}

// TestBoltPowerCut runs bbolt itself through the harness, tears included:
// every committed transaction survives.
func TestBoltPowerCut(t *testing.T) {
	acked := 0
	Run(t, Workload{Child: "TestBoltPowerCutChild", Cycles: 20, MaxAcks: 40, Tear: true, Check: checkBolt(&acked)})
	if acked == 0 {
		t.Fatal("no transaction was acknowledged: the test tested nothing")
	}
	t.Logf("%d transactions survive", acked)
}
