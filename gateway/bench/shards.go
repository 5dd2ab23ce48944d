package bench

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// ShardsOptions configures the storage engine benchmark.
type ShardsOptions struct {
	Dir           string        // where the engine and the baselines write
	Writers       int           // concurrent writers
	Batch         int           // records per PutRecords call
	Duration      time.Duration // how long the writers write
	RecordSize    int           // bytes of data per record
	Shards        int           // shards in the stream
	BaselineBytes int64         // bytes each baseline writes; 0: as many as the engine's records held
	// Readers, when positive, adds a second write phase on a fresh stream
	// with that many tailing readers following every shard from the start.
	Readers int
}

// DefaultShardsOptions are the settings the targets are stated for.
func DefaultShardsOptions() ShardsOptions {
	return ShardsOptions{Dir: ".", Writers: 16, Batch: 500, Duration: 10 * time.Second, RecordSize: 200, Shards: 4}
}

// ShardsResult is what `tidegate bench shards --json` prints.
type ShardsResult struct {
	WriteRecordsPerSec float64 `json:"write_records_per_s"`
	WriteMBPerSec      float64 `json:"write_mb_per_s"`
	AckP50Ms           float64 `json:"ack_p50_ms"`
	AckP99Ms           float64 `json:"ack_p99_ms"`
	// The second write phase, with Readers tailing readers; absent without.
	AckP99MsWithReaders           float64 `json:"ack_p99_ms_with_readers,omitempty"`
	AckP50MsWithReaders           float64 `json:"ack_p50_ms_with_readers,omitempty"`
	WriteRecordsPerSecWithReaders float64 `json:"write_records_per_s_with_readers,omitempty"`
	TailRecordsPerSec             float64 `json:"tail_records_per_s,omitempty"`
	ReadRecordsPerSec             float64 `json:"read_records_per_s"`
	DiskMBPerSec                  float64 `json:"disk_mb_per_s"`
	RatioToDisk                   float64 `json:"ratio_to_disk"`
	BoltRecordsPerSec             float64 `json:"bbolt_records_per_s"`
	RatioToBolt                   float64 `json:"ratio_to_bbolt"`

	RecordsWritten int64   `json:"records_written"`
	RecordsRead    int64   `json:"records_read"`
	StorageBytes   int64   `json:"storage_bytes"`
	Writers        int     `json:"writers"`
	Batch          int     `json:"batch"`
	Shards         int     `json:"shards"`
	Readers        int     `json:"readers"`
	RecordSize     int     `json:"record_size"`
	DurationSec    float64 `json:"duration_s"`
}

// Shards measures the engine and then, in the same run and on the same
// disk, the two baselines it is judged against, each writing the same
// number of bytes the engine's records held (unless BaselineBytes says
// otherwise): disks and the caches in front of them slow down after a few
// GB, so a short baseline would measure only the burst. A short disk write
// first wakes the machine: on virtual machines the first burst after idle
// is several times slower, and whichever measurement ran first would pay
// for it.
func Shards(ctx context.Context, o ShardsOptions) (ShardsResult, error) {
	if o.Writers < 1 || o.Batch < 1 || o.Batch > shards.MaxRecordsPerPut || o.RecordSize < 1 || o.Duration <= 0 || o.Shards < 1 {
		return ShardsResult{}, fmt.Errorf("bench: shards: writers, batch (1-%d), record size, shards and duration must be positive", shards.MaxRecordsPerPut)
	}
	if o.Readers < 0 {
		return ShardsResult{}, fmt.Errorf("bench: shards: readers %d must not be negative", o.Readers)
	}
	res := ShardsResult{Writers: o.Writers, Batch: o.Batch, Shards: o.Shards, RecordSize: o.RecordSize, Readers: o.Readers}
	if _, err := DiskBaseline(ctx, o.Dir, 32<<20); err != nil {
		return res, err
	}
	if err := engine(ctx, o, &res); err != nil {
		return res, err
	}
	total := o.BaselineBytes
	if total <= 0 {
		total = max(res.RecordsWritten*int64(o.RecordSize), 1<<20)
	}
	bolt, err := BoltBaseline(ctx, o.Dir, total, o.RecordSize)
	if err != nil {
		return res, err
	}
	disk, err := DiskBaseline(ctx, o.Dir, total)
	if err != nil {
		return res, err
	}
	res.DiskMBPerSec, res.BoltRecordsPerSec = disk.MBPerSec, bolt.RecordsPerSec
	if res.DiskMBPerSec > 0 {
		res.RatioToDisk = res.WriteMBPerSec / res.DiskMBPerSec
	}
	if res.BoltRecordsPerSec > 0 {
		res.RatioToBolt = res.WriteRecordsPerSec / res.BoltRecordsPerSec
	}
	return res, nil
}

// engine writes and reads back through the storage engine in a temporary
// directory, which it removes before the baselines run.
func engine(ctx context.Context, o ShardsOptions, res *ShardsResult) error {
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-shards-*")
	if err != nil {
		return fmt.Errorf("bench: shards: %w", err)
	}
	defer os.RemoveAll(tmp)
	st, err := shards.Open(tmp, shards.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.CreateStream("bench", shards.StreamConfig{Shards: o.Shards})
	if err != nil {
		return err
	}
	w, err := writeLoad(ctx, s, o)
	if err != nil {
		return err
	}
	res.RecordsWritten = w.records
	res.DurationSec = w.elapsed.Seconds()
	res.WriteRecordsPerSec = w.recordsPerSec()
	res.WriteMBPerSec = mbPerSec(w.records*int64(o.RecordSize), w.elapsed)
	res.AckP50Ms, res.AckP99Ms = ms(w.p50), ms(w.p99)
	if err := readBack(ctx, s, res); err != nil {
		return err
	}
	res.StorageBytes = s.Stats().StorageBytes
	if o.Readers > 0 {
		return writeWithReaders(ctx, st, o, res)
	}
	return nil
}

// writePhase is what one run of the writers measured.
type writePhase struct {
	records  int64
	elapsed  time.Duration
	p50, p99 time.Duration // put acknowledgement
}

func (w writePhase) recordsPerSec() float64 { return float64(w.records) / w.elapsed.Seconds() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeLoad runs the writers for o.Duration. Each writer cycles through a
// few prepared batches drawn from a pool of random 32-character keys, so
// key generation stays out of the measurement and keys spread over shards.
func writeLoad(ctx context.Context, s *shards.Stream, o ShardsOptions) (writePhase, error) {
	keys := make([]string, 1<<16)
	var kb [16]byte
	for i := range keys {
		for j := range kb {
			kb[j] = byte(rand.Uint32())
		}
		keys[i] = hex.EncodeToString(kb[:])
	}
	var (
		written  atomic.Int64
		lat      Latencies
		wg       sync.WaitGroup
		firstErr error
		errOnce  sync.Once
	)
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	src := newPayload()
	start := time.Now()
	for w := 0; w < o.Writers; w++ {
		batches := make([][]shards.PutEntry, 8)
		for b := range batches {
			batches[b] = make([]shards.PutEntry, o.Batch)
			for i := range batches[b] {
				data := make([]byte, o.RecordSize)
				src.fill(data)
				batches[b][i] = shards.PutEntry{PartitionKey: keys[rand.IntN(len(keys))], Data: data}
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				_, err := s.PutRecords(context.Background(), batches[i%len(batches)])
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				mine = append(mine, time.Since(t0))
				written.Add(int64(o.Batch))
			}
			lat.Merge(mine)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return writePhase{}, fmt.Errorf("bench: shards: put: %w", firstErr)
	}
	return writePhase{records: written.Load(), elapsed: elapsed, p50: lat.Percentile(50), p99: lat.Percentile(99)}, nil
}

// readBack reads every shard from the trim horizon to its end, a reader per
// shard as Kinesis consumers do, and checks that nothing is missing.
func readBack(ctx context.Context, s *shards.Stream, res *ShardsResult) error {
	start := time.Now()
	read, err := s.ReadToEnd(ctx, nil)
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("bench: shards: read: %w", err)
	}
	res.RecordsRead = read.Records
	if res.RecordsRead != res.RecordsWritten {
		return fmt.Errorf("bench: shards: read back %d records, wrote %d", res.RecordsRead, res.RecordsWritten)
	}
	res.ReadRecordsPerSec = float64(res.RecordsRead) / elapsed.Seconds()
	return nil
}
