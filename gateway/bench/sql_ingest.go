package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/shards"
)

// The ingest load generator runs in a process of its own, so that the gateway's CPU is
// measured alone: it puts readings through the Kinesis API at a steady rate, says READY
// once warmed up, and when its stdin closes prints how many records a second it got
// acknowledged since READY, against the rate it offered.

// IngestArgs are the arguments that make the command in SQLOptions.Ingest a load
// generator.
func IngestArgs(endpoint, stream string, rate int) []string {
	return []string{"--ingest-endpoint", endpoint, "--ingest-stream", stream, "--ingest-rate", strconv.Itoa(rate)}
}

// IngestResult is what the load generator prints.
type IngestResult struct {
	OfferedPerSec  float64 `json:"offered_per_s"`
	AchievedPerSec float64 `json:"achieved_per_s"`
	Seconds        float64 `json:"seconds"`
}

// ingestBatch is the records of one PutRecords call; ingestWorkers put concurrently.
const (
	ingestBatch   = 500
	ingestWorkers = 8
	ingestWarmup  = time.Second
)

// RunIngest is the load generator: rate records a second into stream at endpoint until
// stdin closes.
func RunIngest(ctx context.Context, endpoint, stream string, rate int, stdin io.Reader, stdout io.Writer) error {
	if rate < ingestBatch {
		return fmt.Errorf("bench: ingest: rate %d is below one batch (%d) a second", rate, ingestBatch)
	}
	k := apiClient(endpoint, ingestWorkers+2)
	var acked atomic.Int64
	var failed atomic.Value
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interval := time.Duration(float64(time.Second) * ingestBatch * ingestWorkers / float64(rate))
	var wg sync.WaitGroup
	for w := range ingestWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entries := make([]types.PutRecordsRequestEntry, ingestBatch)
			next := time.Now().Add(time.Duration(w) * interval / ingestWorkers)
			for i := 0; ctx.Err() == nil; i++ {
				if d := time.Until(next); d > 0 {
					if sleepCtx(ctx, d) != nil {
						return
					}
				}
				next = next.Add(interval)
				for j := range entries {
					dev := fmt.Sprintf("dev-%05d", (w*ingestBatch+j)%10_000)
					entries[j] = types.PutRecordsRequestEntry{PartitionKey: aws.String(dev),
						Data: fmt.Appendf(nil, `{"device":%q,"temp":21.5,"hum":40.1,"ts":%d}`, dev, time.Now().UnixMilli())}
				}
				out, err := k.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
				if err != nil {
					if ctx.Err() == nil {
						failed.Store(err)
					}
					continue
				}
				acked.Add(int64(len(entries)) - int64(aws.ToInt32(out.FailedRecordCount)))
			}
		}()
	}
	if sleepCtx(ctx, ingestWarmup) != nil {
		return ctx.Err()
	}
	start, base := time.Now(), acked.Load()
	fmt.Fprintln(stdout, "READY")
	io.Copy(io.Discard, stdin)
	elapsed, n := time.Since(start), acked.Load()-base
	cancel()
	wg.Wait()
	if err, ok := failed.Load().(error); ok && n == 0 {
		return fmt.Errorf("bench: ingest: %w", err)
	}
	return json.NewEncoder(stdout).Encode(IngestResult{OfferedPerSec: float64(rate), AchievedPerSec: float64(n) / elapsed.Seconds(), Seconds: elapsed.Seconds()})
}

// ingestRun is a load generator process.
type ingestRun struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startIngest(o SQLOptions, endpoint string) (*ingestRun, error) {
	if len(o.Ingest) == 0 {
		return nil, errors.New("bench: sql: no command to run the ingest load generator")
	}
	cmd := exec.Command(o.Ingest[0], append(o.Ingest[1:], IngestArgs(endpoint, "ingest", o.IngestRate)...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: sql: ingest load generator: %w", err)
	}
	r := &ingestRun{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	if !r.out.Scan() || r.out.Text() != "READY" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("bench: sql: the ingest load generator did not start: %q", r.out.Text())
	}
	return r, nil
}

// finish ends the measured window and reads the result.
func (r *ingestRun) finish() (IngestResult, error) {
	r.stdin.Close()
	var res IngestResult
	if !r.out.Scan() {
		r.cmd.Wait()
		return res, errors.New("bench: sql: the ingest load generator printed no result")
	}
	err := json.Unmarshal(r.out.Bytes(), &res)
	if werr := r.cmd.Wait(); err == nil {
		err = werr
	}
	return res, err
}

// ingestDuringQuery offers the ingest rate alone for a few seconds, then while a
// full-history ad-hoc query reads every reading, and compares what was acknowledged with
// what was offered.
func ingestDuringQuery(ctx context.Context, g *gateway.Gateway, o SQLOptions, res *SQLResult) error {
	if _, err := g.Store().CreateStream("ingest", shards.StreamConfig{Shards: 2}); err != nil {
		return err
	}
	endpoint := "http://" + g.Addr().String()
	alone, err := startIngest(o, endpoint)
	if err != nil {
		return err
	}
	if err := sleepCtx(ctx, o.IngestAlone); err != nil {
		alone.finish()
		return err
	}
	a, err := alone.finish()
	if err != nil {
		return err
	}
	res.IngestOfferedPerSec = a.OfferedPerSec
	res.IngestRatioAlone = a.AchievedPerSec / a.OfferedPerSec
	m := g.Queries()
	p, err := m.Prepare("SELECT COUNT(*) AS n, AVG(temp) AS avg_temp, MAX(hum) AS max_hum FROM readings", query.OriginAPI, false)
	if err != nil {
		return err
	}
	during, err := startIngest(o, endpoint)
	if err != nil {
		return err
	}
	// The query runs once, or again until the window is as long as the one alone: a
	// history small enough to read in a blink measures nothing.
	start := time.Now()
	var qerr error
	runs := 0
	for runs == 0 || time.Since(start) < o.IngestAlone {
		rows := 0
		if qerr = m.Select(ctx, p.Select, func(row []byte) error { rows++; return nil }); qerr != nil {
			break
		}
		if rows != 1 {
			qerr = fmt.Errorf("bench: sql: the ad-hoc query returned %d rows", rows)
			break
		}
		runs++
	}
	res.AdhocSec = time.Since(start).Seconds() / float64(max(runs, 1))
	d, err := during.finish()
	if qerr != nil {
		return qerr
	}
	if err != nil {
		return err
	}
	res.AdhocRowsPerSec = float64(o.Records) / res.AdhocSec
	res.IngestRatioDuringQuery = d.AchievedPerSec / d.OfferedPerSec
	return nil
}
