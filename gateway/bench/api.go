package bench

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
)

// APIOptions configures the Kinesis API benchmark.
type APIOptions struct {
	Endpoint   string // a running gateway; "" starts one in this process
	Peer       string // another Kinesis endpoint (kinesalite) measured in the same run; "" for none
	Dir        string // where the in-process gateway keeps its data
	Clients    int
	Batch      int
	RecordSize int
	Shards     int
	Duration   time.Duration
}

// DefaultAPIOptions are the settings the targets are stated for.
func DefaultAPIOptions() APIOptions {
	return APIOptions{Dir: ".", Clients: 8, Batch: 500, RecordSize: 200, Shards: 4, Duration: 10 * time.Second}
}

// APIResult is what `tidegate bench api --json` prints.
type APIResult struct {
	PutRecordsPerSec     float64 `json:"put_records_per_s"`
	GetRecordsPerSec     float64 `json:"get_records_per_s"`
	PutP99Ms             float64 `json:"put_p99_ms"`
	PeerPutRecordsPerSec float64 `json:"peer_put_records_per_s,omitempty"`
	PeerGetRecordsPerSec float64 `json:"peer_get_records_per_s,omitempty"`
	PeerPutP99Ms         float64 `json:"peer_put_p99_ms,omitempty"`
	RatioToPeer          float64 `json:"ratio_to_peer,omitempty"`

	RecordsPut  int64   `json:"records_put"`
	Clients     int     `json:"clients"`
	Batch       int     `json:"batch"`
	RecordSize  int     `json:"record_size"`
	DurationSec float64 `json:"duration_s"`
}

// loadResult is one endpoint's figures.
type loadResult struct {
	put, get, p99Ms float64
	records         int64
	seconds         float64
}

// API measures PutRecords from concurrent AWS SDK clients and a GetRecords
// drain of every shard, against the gateway and, when given, a peer.
func API(ctx context.Context, o APIOptions) (APIResult, error) {
	if o.Clients < 1 || o.Batch < 1 || o.Batch > 500 || o.RecordSize < 1 || o.Shards < 1 || o.Duration <= 0 {
		return APIResult{}, errors.New("bench: api: clients, batch (1-500), record size, shards and duration must be positive")
	}
	res := APIResult{Clients: o.Clients, Batch: o.Batch, RecordSize: o.RecordSize}
	endpoint := o.Endpoint
	if endpoint == "" {
		stop, url, err := inProcessGateway(o.Dir)
		if err != nil {
			return res, err
		}
		defer stop()
		endpoint = url
	}
	own, err := apiLoad(ctx, endpoint, o)
	if err != nil {
		return res, fmt.Errorf("bench: api: %s: %w", endpoint, err)
	}
	res.PutRecordsPerSec, res.GetRecordsPerSec, res.PutP99Ms = own.put, own.get, own.p99Ms
	res.RecordsPut, res.DurationSec = own.records, own.seconds
	if o.Peer != "" {
		peer, err := apiLoad(ctx, o.Peer, o)
		if err != nil {
			return res, fmt.Errorf("bench: api: peer %s: %w", o.Peer, err)
		}
		res.PeerPutRecordsPerSec, res.PeerGetRecordsPerSec, res.PeerPutP99Ms = peer.put, peer.get, peer.p99Ms
		if peer.put > 0 {
			res.RatioToPeer = own.put / peer.put
		}
	}
	return res, nil
}

// inProcessGateway starts a gateway on a loopback port over a temporary
// data directory; stop shuts it down and removes the directory.
func inProcessGateway(dir string) (stop func(), url string, err error) {
	tmp, err := os.MkdirTemp(dir, "tidegate-bench-api-*")
	if err != nil {
		return nil, "", err
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Listen.HTTP, cfg.MQTT.Listen, cfg.RTSP.Listen = tmp, "127.0.0.1:0", "-", "-"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "bench")
	if err := g.Start(context.Background()); err != nil {
		os.RemoveAll(tmp)
		return nil, "", err
	}
	return func() { g.Shutdown(context.Background()); os.RemoveAll(tmp) }, "http://" + g.Addr().String(), nil
}

func apiClient(endpoint string, conns int) *kinesis.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(endpoint), Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		HTTPClient:  &http.Client{Transport: tr},
	})
}

// apiLoad creates a stream on endpoint, puts for o.Duration, drains it and
// deletes it.
func apiLoad(ctx context.Context, endpoint string, o APIOptions) (loadResult, error) {
	k := apiClient(endpoint, o.Clients+4)
	name := fmt.Sprintf("tidegate-bench-%08x", rand.Uint32())
	if _, err := k.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(int32(o.Shards))}); err != nil {
		return loadResult{}, err
	}
	defer k.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name})
	if err := waitActive(ctx, k, name); err != nil {
		return loadResult{}, err
	}
	var r loadResult
	if err := putLoad(ctx, k, name, o, &r); err != nil {
		return r, err
	}
	return r, drain(ctx, k, name, &r)
}

// waitActive waits for CREATING to end (kinesalite takes a moment; the
// gateway is ACTIVE at once).
func waitActive(ctx context.Context, k *kinesis.Client, name string) error {
	for i := 0; ; i++ {
		out, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err != nil {
			return err
		}
		if out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return nil
		}
		if i == 100 {
			return fmt.Errorf("stream %s not ACTIVE after 10 s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func putLoad(ctx context.Context, k *kinesis.Client, name string, o APIOptions, r *loadResult) error {
	var (
		put      atomic.Int64
		lat      Latencies
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
	)
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	src := newPayload()
	start := time.Now()
	for c := 0; c < o.Clients; c++ {
		entries := make([]types.PutRecordsRequestEntry, o.Batch)
		for i := range entries {
			data := make([]byte, o.RecordSize)
			src.fill(data)
			var kb [16]byte
			src.fill(kb[:])
			entries[i] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(hex.EncodeToString(kb[:]))}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				out, err := k.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: &name, Records: entries})
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				mine = append(mine, time.Since(t0))
				put.Add(int64(o.Batch - int(aws.ToInt32(out.FailedRecordCount))))
			}
			lat.Merge(mine)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	r.records, r.seconds = put.Load(), elapsed.Seconds()
	r.put = float64(r.records) / elapsed.Seconds()
	r.p99Ms = float64(lat.Percentile(99)) / float64(time.Millisecond)
	return nil
}

// drain reads every shard from the trim horizon until caught up, a reader
// per shard, and checks every record came back.
func drain(ctx context.Context, k *kinesis.Client, name string, r *loadResult) error {
	shards, err := k.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name})
	if err != nil {
		return err
	}
	var (
		got  atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, len(shards.Shards))
	)
	start := time.Now()
	for _, sh := range shards.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := k.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				errs <- err
				return
			}
			iter := it.ShardIterator
			for iter != nil {
				out, err := k.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
				if err != nil {
					errs <- err
					return
				}
				got.Add(int64(len(out.Records)))
				if len(out.Records) == 0 {
					return
				}
				iter = out.NextShardIterator
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if got.Load() != r.records {
		return fmt.Errorf("drained %d records, put %d", got.Load(), r.records)
	}
	r.get = float64(got.Load()) / time.Since(start).Seconds()
	return nil
}
