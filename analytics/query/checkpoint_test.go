package query

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"testing"
)

func sampleCheckpoint() *checkpoint {
	return &checkpoint{
		Cohorts: [][]inputPos{
			{{Stream: "sensors", StreamID: 17, Shards: []shardPos{{Shard: 0, Pos: 99, Done: true}, {Shard: 1, Pos: 1 << 40}}}},
			{{Stream: "sensors", StreamID: 17, Shards: []shardPos{{Shard: 1, Pos: 5}}}},
		},
		Outputs: []outputTips{{Stream: "alerts", StreamID: 3, Tips: []shardPos{{Shard: 0, Pos: 12}}}},
		Queries: []queryCheckpoint{
			{Name: "hot", Key: "k1", Cohort: 0, State: []byte("state"), Pending: []pendingRows{{Stream: "alerts", Rows: [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`)}}}},
			{Name: "cold", Key: "k2", Stopped: true, Cohort: 1, State: []byte{}},
		},
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := sampleCheckpoint()
	b := c.encode()
	got, err := decodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.encode(), b) || !reflect.DeepEqual(got.Queries[0].Pending, c.Queries[0].Pending) || got.Cohorts[0][0].Shards[1].Pos != 1<<40 {
		t.Errorf("round trip: %+v", got)
	}
	for i := range b { // every byte flipped: the checksum finds it
		bad := bytes.Clone(b)
		bad[i] ^= 0x10
		if _, err := decodeCheckpoint(bad); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}

// FuzzCheckpoint feeds the decoder damaged checkpoints (with their checksums fixed, so that
// the fuzzer reaches the structure): it refuses or reads them and never panics, and what
// it reads encodes back to the same bytes.
func FuzzCheckpoint(f *testing.F) {
	f.Add(sampleCheckpoint().encode())
	f.Add((&checkpoint{}).encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 4 {
			b = withChecksum(b[:len(b)-4])
		}
		c, err := decodeCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("error %v does not wrap ErrCheckpoint", err)
			}
			return
		}
		if !bytes.Equal(c.encode(), b) {
			t.Fatalf("decoded %+v encodes differently", c)
		}
	})
}

func withChecksum(body []byte) []byte { return appendChecksum(bytes.Clone(body)) }

// The log's last checkpoint is in force; a torn last one (a crash in its append) is
// dropped; a damaged one with others after it is an error.
func TestCheckpointLog(t *testing.T) {
	path := t.TempDir() + "/p.ckpt"
	l := &ckptLog{path: path}
	first, second := sampleCheckpoint(), sampleCheckpoint()
	second.Queries[0].Name = "second"
	if err := l.append(first); err != nil {
		t.Fatal(err)
	}
	if err := l.append(second); err != nil {
		t.Fatal(err)
	}
	l.close()
	b, _ := os.ReadFile(path)
	if ck, err := lastCheckpoint(b); err != nil || ck.Queries[0].Name != "second" {
		t.Fatalf("last: %v %v", ck, err)
	}
	for cut := 1; cut < len(second.encode()); cut += 7 {
		ck, err := lastCheckpoint(b[:len(b)-cut])
		if err != nil || ck.Queries[0].Name != "hot" {
			t.Fatalf("torn by %d bytes: %v %v", cut, ck, err)
		}
	}
	bad := bytes.Clone(b)
	bad[len(logHeader())+10] ^= 1 // in the first checkpoint
	if _, err := lastCheckpoint(bad); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("a damaged checkpoint before the last: %v", err)
	}
	// Written anew once it outgrows its last checkpoint.
	l2 := &ckptLog{path: path}
	for range 3 * logCompactTimes {
		if err := l2.append(first); err != nil {
			t.Fatal(err)
		}
	}
	l2.close()
	if fi, _ := os.Stat(path); fi.Size() > int64(logCompactBytes) {
		t.Errorf("the log holds %d bytes", fi.Size())
	}
}

// FuzzCheckpointLog: a log never panics the reader.
func FuzzCheckpointLog(f *testing.F) {
	l := &ckptLog{path: f.TempDir() + "/p.ckpt"}
	l.append(sampleCheckpoint())
	l.append(sampleCheckpoint())
	l.close()
	b, _ := os.ReadFile(l.path)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := lastCheckpoint(b); err != nil && !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("error %v does not wrap ErrCheckpoint", err)
		}
	})
}
