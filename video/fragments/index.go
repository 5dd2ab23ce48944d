package fragments

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The index is one bbolt file, index.db, with a bucket per camera under
// "cameras", holding:
//
//	meta   next (fragment number), nextseg, floor (segment ids below it
//	       were deleted by retention), recording (1 while a Recorder runs)
//	frags  number → fragment record
//	time   server time, number → nothing (the time index)
//	segs   segment id → segment record
//	gaps   start time, sequence → gap record
//
// The files are the truth for the newest fragments: a fragment is durable
// once its segment file is fsync'd, and the index is committed every
// IndexInterval (and at every retention deletion and Close), so that one
// small transaction carries many fragments. Open scans each segment file
// past what the index holds and indexes what it finds.
var (
	bucketCameras = []byte("cameras")
	bucketMeta    = []byte("meta")
	bucketFrags   = []byte("frags")
	bucketTime    = []byte("time")
	bucketSegs    = []byte("segs")
	bucketGaps    = []byte("gaps")

	keyNext      = []byte("next")
	keyNextSeg   = []byte("nextseg")
	keyFloor     = []byte("floor")
	keyRecording = []byte("recording")
	keyGapSeq    = []byte("gapseq")
)

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// timeKey orders times as bytes: nanoseconds with the sign bit flipped.
func timeKey(t time.Time, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
	return binary.BigEndian.AppendUint64(b, seq)
}

func parseTimeKey(k []byte) (time.Time, uint64, bool) {
	if len(k) != 16 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k)^(1<<63))).UTC(), binary.BigEndian.Uint64(k[8:]), true
}

const fragRecordSize = 8*7 + 4*2

func encodeFragment(f *Fragment) []byte {
	b := make([]byte, 0, fragRecordSize)
	b = binary.BigEndian.AppendUint64(b, f.Segment)
	b = binary.BigEndian.AppendUint64(b, uint64(f.Offset))
	b = binary.BigEndian.AppendUint64(b, uint64(f.Size))
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(f.Server)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(f.Producer)))
	b = binary.BigEndian.AppendUint64(b, uint64(f.Duration))
	b = binary.BigEndian.AppendUint64(b, f.Number)
	b = binary.BigEndian.AppendUint32(b, uint32(f.Frames))
	return binary.BigEndian.AppendUint32(b, uint32(f.Keyframes))
}

func decodeFragment(camera string, v []byte) (Fragment, error) {
	if len(v) != fragRecordSize {
		return Fragment{}, fmt.Errorf("%w: index: fragment record of %d bytes", ErrCorrupt, len(v))
	}
	f := Fragment{
		Camera:    camera,
		Segment:   binary.BigEndian.Uint64(v),
		Offset:    int64(binary.BigEndian.Uint64(v[8:])),
		Size:      int64(binary.BigEndian.Uint64(v[16:])),
		Server:    fromUnixNanos(int64(binary.BigEndian.Uint64(v[24:]))),
		Producer:  fromUnixNanos(int64(binary.BigEndian.Uint64(v[32:]))),
		Duration:  time.Duration(binary.BigEndian.Uint64(v[40:])),
		Number:    binary.BigEndian.Uint64(v[48:]),
		Frames:    int(binary.BigEndian.Uint32(v[56:])),
		Keyframes: int(binary.BigEndian.Uint32(v[60:])),
	}
	return f, nil
}

// segInfo is a live segment file.
type segInfo struct {
	id          uint64
	initSize    int64
	first, last uint64    // fragment numbers it holds; 0, 0 while empty
	firstTime   time.Time // server time of its first fragment
	lastEnd     time.Time // end of its newest fragment
	size        int64     // bytes of the init and its complete fragments
	indexed     int64     // how far the committed index covers it
	recorded    bool      // the index has its record
	codecs      string    // "h264,aac"
}

func encodeSeg(s *segInfo) []byte {
	b := make([]byte, 0, 64+len(s.codecs))
	b = binary.BigEndian.AppendUint64(b, uint64(s.initSize))
	b = binary.BigEndian.AppendUint64(b, s.first)
	b = binary.BigEndian.AppendUint64(b, s.last)
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(s.firstTime)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixNanos(s.lastEnd)))
	b = binary.BigEndian.AppendUint64(b, uint64(s.size))
	return append(b, s.codecs...)
}

func decodeSeg(id uint64, v []byte) (*segInfo, error) {
	if len(v) < 48 {
		return nil, fmt.Errorf("%w: index: segment record of %d bytes", ErrCorrupt, len(v))
	}
	s := &segInfo{
		id:        id,
		initSize:  int64(binary.BigEndian.Uint64(v)),
		first:     binary.BigEndian.Uint64(v[8:]),
		last:      binary.BigEndian.Uint64(v[16:]),
		firstTime: fromUnixNanos(int64(binary.BigEndian.Uint64(v[24:]))),
		lastEnd:   fromUnixNanos(int64(binary.BigEndian.Uint64(v[32:]))),
		size:      int64(binary.BigEndian.Uint64(v[40:])),
		codecs:    string(v[48:]),
	}
	s.indexed, s.recorded = s.size, true
	return s, nil
}

// gapEntry is a ledger entry with its key.
type gapEntry struct {
	seq uint64
	Gap
}

func (g *gapEntry) key() []byte { return timeKey(g.Start, g.seq) }

func encodeGap(g *Gap) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(unixNanos(g.End)))
	b = binary.AppendUvarint(b, uint64(len(g.Reason)))
	b = append(b, g.Reason...)
	return append(b, g.Detail...)
}

func decodeGap(k, v []byte) (gapEntry, error) {
	start, seq, ok := parseTimeKey(k)
	if !ok || len(v) < 8 {
		return gapEntry{}, fmt.Errorf("%w: index: gap record", ErrCorrupt)
	}
	g := gapEntry{seq: seq, Gap: Gap{Start: start, End: fromUnixNanos(int64(binary.BigEndian.Uint64(v)))}}
	n, w := binary.Uvarint(v[8:])
	if w <= 0 || uint64(len(v)-8-w) < n {
		return gapEntry{}, fmt.Errorf("%w: index: gap record", ErrCorrupt)
	}
	g.Reason = Reason(v[8+w : 8+w+int(n)])
	g.Detail = string(v[8+w+int(n):])
	return g, nil
}

// cameraBuckets are one camera's buckets in a transaction.
type cameraBuckets struct {
	meta, frags, time, segs, gaps *bolt.Bucket
}

// buckets returns the camera's buckets, creating them in a writable
// transaction; nil, nil in a read-only one where the camera has none.
func buckets(tx *bolt.Tx, camera string) (*cameraBuckets, error) {
	root := tx.Bucket(bucketCameras)
	if root == nil {
		return nil, nil
	}
	cb := root.Bucket([]byte(camera))
	if cb == nil {
		if !tx.Writable() {
			return nil, nil
		}
		var err error
		if cb, err = root.CreateBucket([]byte(camera)); err != nil {
			return nil, err
		}
	}
	var b cameraBuckets
	for _, x := range []struct {
		name []byte
		into **bolt.Bucket
	}{{bucketMeta, &b.meta}, {bucketFrags, &b.frags}, {bucketTime, &b.time}, {bucketSegs, &b.segs}, {bucketGaps, &b.gaps}} {
		*x.into = cb.Bucket(x.name)
		if *x.into == nil {
			if !tx.Writable() {
				return nil, fmt.Errorf("%w: index: camera %q has no %s bucket", ErrCorrupt, camera, x.name)
			}
			var err error
			if *x.into, err = cb.CreateBucket(x.name); err != nil {
				return nil, err
			}
		}
	}
	return &b, nil
}

func (b *cameraBuckets) metaU64(k []byte) uint64 {
	v := b.meta.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (b *cameraBuckets) putFragment(f *Fragment) error {
	if err := b.frags.Put(u64(f.Number), encodeFragment(f)); err != nil {
		return err
	}
	return b.time.Put(timeKey(f.Server, f.Number), nil)
}

func (b *cameraBuckets) deleteFragment(f *Fragment) error {
	if err := b.frags.Delete(u64(f.Number)); err != nil {
		return err
	}
	return b.time.Delete(timeKey(f.Server, f.Number))
}

// fragmentsOf returns the indexed fragments numbered first to last.
func (b *cameraBuckets) fragmentsOf(camera string, first, last uint64) ([]Fragment, error) {
	var out []Fragment
	c := b.frags.Cursor()
	for k, v := c.Seek(u64(first)); k != nil && binary.BigEndian.Uint64(k) <= last; k, v = c.Next() {
		f, err := decodeFragment(camera, v)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func be64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
