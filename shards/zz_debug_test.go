package shards

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestZZDebug(t *testing.T) {
	dir := os.Getenv("DBG_DIR")
	if dir == "" {
		t.Skip()
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "streams", "*", "*.seg"))
	for _, p := range segs {
		db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Logf("%s: %v", p, err)
			continue
		}
		db.View(func(tx *bolt.Tx) error {
			t.Logf("%s: txid %d size %d", filepath.Base(p), tx.ID(), tx.Size())
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				shard := binary.BigEndian.Uint32(name)
				c := b.Cursor()
				n, recs := 0, 0
				var first, last uint64
				var prevLast uint64
				bad := 0
				for k, v := c.First(); k != nil; k, v = c.Next() {
					h, err := walkChunk(v, nil)
					if err != nil {
						bad++
					}
					if n == 0 {
						first = h.first
					}
					if prevLast != 0 && h.first <= prevLast {
						t.Logf("   shard %d overlap chunk first %d <= prev last %d", shard, h.first, prevLast)
					}
					prevLast = h.last
					last = h.last
					n++
					recs += int(h.count)
				}
				t.Logf("  shard %3d: %5d chunks %7d recs pos %d..%d (ms %d..%d) bad %d", shard, n, recs, first, last, posMillis(first), posMillis(last), bad)
				return nil
			})
		})
		db.Close()
	}
	cat, _ := bolt.Open(filepath.Join(dir, "catalog.db"), 0o600, &bolt.Options{ReadOnly: true})
	cat.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStreams).Get([]byte("crash"))
		t.Logf("catalog: %s", v)
		return nil
	})
	cat.Close()
}
