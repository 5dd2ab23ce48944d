package bench

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/uplink"
)

// UplinkOptions configures the delivery benchmark.
type UplinkOptions struct {
	Dir        string // where the store, the file destination and the disk baseline write
	Records    int    // records in the backlog
	RecordSize int    // bytes of data per record
	Shards     int    // shards in the source stream
	BufferSize int64  // the delivery's buffer.size, bytes
}

// DefaultUplinkOptions are the settings the targets are stated for.
func DefaultUplinkOptions() UplinkOptions {
	return UplinkOptions{Dir: os.TempDir(), Records: 1_000_000, RecordSize: 200, Shards: 4, BufferSize: uplink.DefaultBufferSize}
}

// The delivery settings that are not options: the format a user exporting
// sensor data would pick, and an interval short enough that the last,
// partial batch of the backlog does not dominate a small run.
const (
	uplinkFormat         = uplink.FormatJSON
	uplinkBufferInterval = time.Second
	uplinkStream         = "bench"
)

// UplinkResult is what `tidegate bench uplink --json` prints. MB are
// decimal (1e6 bytes); record rates and MB/s count record data as it sits
// in the stream, before formatting and compression.
type UplinkResult struct {
	FileRecordsPerSec float64 `json:"file_records_per_s"`
	HTTPRecordsPerSec float64 `json:"http_records_per_s"`
	// PeakRSSGrowthMB is the larger of the two drains' growth.
	PeakRSSGrowthMB float64 `json:"peak_rss_growth_mb"`

	FileMBPerSec          float64 `json:"file_mb_per_s"`
	FilePeakRSSGrowthMB   float64 `json:"file_peak_rss_growth_mb"`
	HTTPMBPerSec          float64 `json:"http_mb_per_s"`
	HTTPPeakRSSGrowthMB   float64 `json:"http_peak_rss_growth_mb"`
	ReadRecordsPerSec     float64 `json:"read_records_per_s"`
	ReadMBPerSec          float64 `json:"read_mb_per_s"`
	DiskMBPerSec          float64 `json:"disk_mb_per_s"`
	FileWrittenMBPerSec   float64 `json:"file_written_mb_per_s"`
	FileRatioToRead       float64 `json:"file_ratio_to_read"`
	HTTPRatioToRead       float64 `json:"http_ratio_to_read"`
	FileRatioToDisk       float64 `json:"file_ratio_to_disk"`
	FileDurationSec       float64 `json:"file_s"`
	HTTPDurationSec       float64 `json:"http_s"`
	FileBytesWritten      int64   `json:"file_bytes_written"`
	FileObjects           int64   `json:"file_objects"`
	HTTPRecordsReceived   int64   `json:"http_records_received"`
	HTTPRequests          int64   `json:"http_requests"`
	HTTPBytesDecoded      int64   `json:"http_bytes_decoded"`
	HTTPWireBytes         int64   `json:"http_wire_bytes"`
	FillRecordsPerSec     float64 `json:"fill_records_per_s"`
	Records               int64   `json:"records"`
	RecordSize            int     `json:"record_size"`
	Shards                int     `json:"shards"`
	BufferSize            int64   `json:"buffer_size"`
	BufferIntervalSec     float64 `json:"buffer_interval_s"`
	Format                string  `json:"format"`
	HTTPCompression       string  `json:"http_compression"`
	RSSSkipped            string  `json:"rss_skipped,omitempty"`
	ReceiverSharesProcess bool    `json:"receiver_in_process"`
}

// Uplink fills a stream with a backlog and drains it through the delivery
// engine twice — to the file destination, then to an HTTP endpoint
// receiver in this process — and measures, in the same run, what those
// drains are judged against: reading the backlog without delivering it,
// and the disk writing the file destination's bytes with an fdatasync per
// MiB. Everything lives in a temporary directory under o.Dir, removed at
// the end.
func Uplink(ctx context.Context, o UplinkOptions) (res UplinkResult, err error) {
	if o.Records < 1 || o.RecordSize < 1 || o.Shards < 1 {
		return res, errors.New("bench: uplink: records, record size and shards must be positive")
	}
	if o.BufferSize < uplink.MinBufferSize || o.BufferSize > uplink.MaxBufferSize {
		return res, fmt.Errorf("bench: uplink: buffer %d bytes is outside 1 MiB-128 MiB", o.BufferSize)
	}
	res = UplinkResult{
		Records: int64(o.Records), RecordSize: o.RecordSize, Shards: o.Shards, BufferSize: o.BufferSize,
		BufferIntervalSec: uplinkBufferInterval.Seconds(), Format: uplinkFormat, HTTPCompression: "gzip",
		ReceiverSharesProcess: true,
	}
	tmp, err := os.MkdirTemp(o.Dir, "tidegate-bench-uplink-*")
	if err != nil {
		return res, fmt.Errorf("bench: uplink: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("bench: uplink: %w", rerr)
		}
	}()
	st, err := shards.Open(filepath.Join(tmp, "store"), shards.Options{})
	if err != nil {
		return res, fmt.Errorf("bench: uplink: %w", err)
	}
	defer st.Close()
	s, err := st.CreateStream(uplinkStream, shards.StreamConfig{Shards: o.Shards})
	if err != nil {
		return res, fmt.Errorf("bench: uplink: %w", err)
	}

	if res.FillRecordsPerSec, err = fillBacklog(ctx, s, o); err != nil {
		return res, err
	}
	dataBytes := int64(o.Records) * int64(o.RecordSize)
	n, elapsed, tips, err := readAll(ctx, s)
	if err != nil {
		return res, err
	}
	if n != int64(o.Records) {
		return res, fmt.Errorf("bench: uplink: read %d records of a backlog of %d", n, o.Records)
	}
	res.ReadRecordsPerSec, res.ReadMBPerSec = float64(n)/elapsed.Seconds(), mbPerSec(dataBytes, elapsed)

	b := backlog{store: st, stream: s, tips: tips, records: int64(o.Records), bytes: dataBytes}
	if err := drainToFile(ctx, b, tmp, o, &res); err != nil {
		return res, err
	}
	if err := drainToHTTP(ctx, b, tmp, o, &res); err != nil {
		return res, err
	}
	disk, err := DiskBaseline(ctx, tmp, max(res.FileBytesWritten, 1<<20))
	if err != nil {
		return res, err
	}
	res.DiskMBPerSec = disk.MBPerSec
	res.PeakRSSGrowthMB = max(res.FilePeakRSSGrowthMB, res.HTTPPeakRSSGrowthMB)
	res.FileRatioToRead = ratio(res.FileRecordsPerSec, res.ReadRecordsPerSec)
	res.HTTPRatioToRead = ratio(res.HTTPRecordsPerSec, res.ReadRecordsPerSec)
	res.FileRatioToDisk = ratio(res.FileWrittenMBPerSec, res.DiskMBPerSec)
	return res, nil
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// fillBacklog puts o.Records records as fast as the store takes them:
// batches of 500 from several writers, each record a distinct sensor
// reading under one of many partition keys, so every shard gets a share.
func fillBacklog(ctx context.Context, s *shards.Stream, o UplinkOptions) (recordsPerSec float64, err error) {
	const writers = 8
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	pool := make([][]byte, 1<<14)
	for i := range pool {
		pool[i] = sensorReading(rng, i, o.RecordSize)
	}
	keys := make([]string, 1<<12)
	var kb [8]byte
	for i := range keys {
		for j := range kb {
			kb[j] = byte(rng.Uint32())
		}
		keys[i] = "node-" + hex.EncodeToString(kb[:])
	}
	var (
		next     atomic.Int64 // records claimed so far
		wg       sync.WaitGroup
		firstErr error
		errOnce  sync.Once
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]shards.PutEntry, 0, shards.MaxRecordsPerPut)
			for ctx.Err() == nil {
				from := next.Add(shards.MaxRecordsPerPut) - shards.MaxRecordsPerPut
				if from >= int64(o.Records) {
					return
				}
				batch = batch[:0]
				for i := from; i < min(from+shards.MaxRecordsPerPut, int64(o.Records)); i++ {
					batch = append(batch, shards.PutEntry{PartitionKey: keys[i%int64(len(keys))], Data: pool[i%int64(len(pool))]})
				}
				if _, err := s.PutRecords(ctx, batch); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, fmt.Errorf("bench: uplink: fill: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("bench: uplink: fill: %w", err)
	}
	return float64(o.Records) / time.Since(start).Seconds(), nil
}

// sensorReading is a JSON object of exactly size bytes, with varied values
// like a sensor node's, so gzip sees data as compressible as real readings
// and not a repeated line. One byte cannot be a JSON object: the json
// format carries it as base64.
func sensorReading(rng *rand.Rand, seq, size int) []byte {
	fields := []string{
		fmt.Sprintf(`"device":"node-%04x"`, rng.IntN(4096)),
		`"ts":` + strconv.FormatInt(1767225600000+int64(seq)*37+rng.Int64N(30), 10),
		fmt.Sprintf(`"temperature":%.3f`, 15+rng.Float64()*20),
		fmt.Sprintf(`"humidity":%.2f`, 30+rng.Float64()*50),
		fmt.Sprintf(`"pressure":%.2f`, 980+rng.Float64()*50),
		`"battery":` + strconv.Itoa(rng.IntN(101)),
		`"rssi":` + strconv.Itoa(-40-rng.IntN(60)),
		fmt.Sprintf(`"trace":"%016x"`, rng.Uint64()),
	}
	b := make([]byte, 1, size+1)
	b[0] = '{'
	for k := 0; ; k++ {
		f := `"x` + strconv.Itoa(k) + `":` + strconv.Itoa(rng.IntN(1000))
		if k < len(fields) {
			f = fields[k]
		}
		if len(b)+1+len(f)+1 > size {
			break
		}
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, f...)
	}
	for len(b) < size-1 {
		b = append(b, ' ')
	}
	if len(b) < size {
		b = append(b, '}')
	}
	return b[:size]
}

// readAll reads every shard from the trim horizon to its end, a reader per
// shard: the ceiling on any delivery of the same backlog. It returns the
// records read, how long that took, and each shard's last sequence number,
// which a drain's checkpoints reach when it is done.
func readAll(ctx context.Context, s *shards.Stream) (n int64, elapsed time.Duration, tips map[string]string, err error) {
	start := time.Now()
	read, err := s.ReadToEnd(ctx, nil)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("bench: uplink: read: %w", err)
	}
	return read.Records, time.Since(start), read.Last, nil
}
