package bench

import "fmt"

// rssTargetMB is the bound on RSS growth while draining, 64 MiB,
// in this package's decimal MB.
const rssTargetMB = 64 << 20 / bytesPerMB

// UplinkReport is the human table of `tidegate bench uplink`.
func UplinkReport(r UplinkResult) (title string, rows []Row) {
	title = fmt.Sprintf("tidegate bench uplink: backlog of %d × %d-byte JSON sensor readings, %d shards, format %s, buffer %s / %.0f s",
		r.Records, r.RecordSize, r.Shards, r.Format, binarySize(r.BufferSize), r.BufferIntervalSec)
	rss := func(mb float64) string { return fmt.Sprintf("%.1f", mb) }
	if r.RSSSkipped != "" {
		rss = func(float64) string { return "-" }
	}
	rows = []Row{
		{Name: "file", Value: num("%.0f", r.FileRecordsPerSec), Unit: "records/s",
			Note: fmt.Sprintf("%.1f s from creation to last checkpoint, %d objects fsync'd", r.FileDurationSec, r.FileObjects)},
		{Name: "file", Value: num("%.1f", r.FileMBPerSec), Unit: "MB/s", Note: fmt.Sprintf("record data; %.1f MB/s of JSON lines written", r.FileWrittenMBPerSec)},
		{Name: "file RSS growth", Value: rss(r.FilePeakRSSGrowthMB), Unit: "MB", Note: fmt.Sprintf("peak − before the delivery (target < 64 MiB = %.1f MB)", rssTargetMB)},
		{Name: "http (gzip)", Value: num("%.0f", r.HTTPRecordsPerSec), Unit: "records/s",
			Note: fmt.Sprintf("%.1f s, %d requests to an in-process receiver that decodes them", r.HTTPDurationSec, r.HTTPRequests)},
		{Name: "http (gzip)", Value: num("%.1f", r.HTTPMBPerSec), Unit: "MB/s", Note: fmt.Sprintf("record data; %.1f MB on the wire", float64(r.HTTPWireBytes)/bytesPerMB)},
		{Name: "http RSS growth", Value: rss(r.HTTPPeakRSSGrowthMB), Unit: "MB", Note: "as above, the receiver included"},
		{Name: "baseline: read", Value: num("%.0f", r.ReadRecordsPerSec), Unit: "records/s", Note: "shards Read of every shard, no delivery"},
		{Name: "baseline: disk", Value: num("%.1f", r.DiskMBPerSec), Unit: "MB/s", Note: "1 MiB writes + fdatasync, the bytes file wrote"},
		{Name: "file ratio to read", Value: num("%.2f", r.FileRatioToRead), Unit: "×"},
		{Name: "http ratio to read", Value: num("%.2f", r.HTTPRatioToRead), Unit: "×"},
		{Name: "file ratio to disk", Value: num("%.2f", r.FileRatioToDisk), Unit: "×", Note: "bytes written per second"},
	}
	if r.RSSSkipped != "" {
		rows = append(rows, Row{Name: "RSS", Value: "-", Note: r.RSSSkipped})
	}
	return title, rows
}

func num(format string, v float64) string { return fmt.Sprintf(format, v) }

// binarySize writes a buffer size as configured: "5 MiB", "1536 KiB".
func binarySize(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
