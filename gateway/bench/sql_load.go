package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/shards"
)

// readingBase is the event time of the first generated reading.
var readingBase = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).UnixMilli()

// appendReading is the i-th generated reading: device i mod devices, each device once per
// second of event time, temperatures and humidity that vary by device and time.
func appendReading(b []byte, i, devices int) []byte {
	dev, sec := i%devices, i/devices
	temp := 15 + float64((dev*7+sec*13)%2500)/100
	hum := 30 + float64((dev*11+sec*3)%500)/10
	b = fmt.Appendf(b, `{"device":"dev-%05d`, dev)
	b = append(b, `","temp":`...)
	b = strconv.AppendFloat(b, temp, 'f', 2, 64)
	b = append(b, `,"hum":`...)
	b = strconv.AppendFloat(b, hum, 'f', 1, 64)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, readingBase+int64(sec)*1000, 10)
	return append(b, '}')
}

// writeReadings writes n readings: each writer owns a set of devices and writes theirs in
// event-time order, so that every device's readings are in order in its shard.
func writeReadings(ctx context.Context, s *shards.Stream, n, devices int) error {
	const writers, batch = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var entries []shards.PutEntry
			flush := func() error {
				if len(entries) == 0 {
					return nil
				}
				_, err := s.PutRecords(ctx, entries)
				entries = entries[:0]
				return err
			}
			for i := range n {
				dev := i % devices
				if dev%writers != w {
					continue
				}
				entries = append(entries, shards.PutEntry{PartitionKey: fmt.Sprintf("dev-%05d", dev), Data: appendReading(nil, i, devices)})
				if len(entries) == batch {
					if err := flush(); err != nil {
						errs <- err
						return
					}
				}
			}
			if err := flush(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// readAllRate reads every shard of s to its end with no query: records per second.
func readAllRate(ctx context.Context, s *shards.Stream) (float64, error) {
	start := time.Now()
	n := 0
	for _, info := range s.Shards() {
		c, err := s.Iterator(info.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			return 0, err
		}
		for {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				return 0, err
			}
			n += len(res.Records)
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// multiQuery creates o.Queries simple queries on one stream at once (they share its
// reader), measures the heap they add, then writes o.MultiRecords readings and measures
// the evaluations per second until every query has read them all.
func multiQuery(ctx context.Context, g *gateway.Gateway, o SQLOptions, res *SQLResult) error {
	st, m := g.Store(), g.Queries()
	s, err := st.CreateStream("multi", shards.StreamConfig{Shards: 1})
	if err != nil {
		return err
	}
	var script strings.Builder
	script.WriteString("CREATE STREAM multi_readings (device STRING, temp DOUBLE, hum DOUBLE, ts TIMESTAMP) WITH (source = 'multi', timestamp = 'ts');\n")
	for i := range o.Queries {
		fmt.Fprintf(&script, "CREATE QUERY multi_%04d AS INSERT INTO multi_out SELECT device, temp FROM multi_readings WHERE device = 'dev-%05d' AND temp > 20;\n", i, i%o.Devices)
	}
	p, err := m.Prepare(script.String(), query.OriginAPI, false)
	if err != nil {
		return err
	}
	before := heapInUse()
	if _, err := m.Exec(ctx, p); err != nil {
		return err
	}
	for _, name := range []string{"multi_0000", fmt.Sprintf("multi_%04d", o.Queries-1)} {
		if err := waitState(ctx, m, name, query.StateRunning); err != nil {
			return err
		}
	}
	res.BytesPerStatelessQuery = float64(int64(heapInUse())-int64(before)) / float64(o.Queries)
	start := time.Now()
	if err := writeReadings(ctx, s, o.MultiRecords, o.Devices); err != nil {
		return err
	}
	for {
		done := true
		for i := range o.Queries {
			_, c, err := m.Progress(fmt.Sprintf("multi_%04d", i))
			if err != nil {
				return err
			}
			if c.RowsIn < int64(o.MultiRecords) {
				done = false
				break
			}
		}
		if done {
			res.MultiQueryEvaluationsPerSec = float64(o.MultiRecords) * float64(o.Queries) / time.Since(start).Seconds()
			break
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
	var drop strings.Builder
	for i := range o.Queries {
		fmt.Fprintf(&drop, "DROP QUERY multi_%04d;\n", i)
	}
	return runSQL(ctx, m, drop.String())
}

func waitState(ctx context.Context, m *query.Manager, name string, want query.State) error {
	for {
		state, _, err := m.Progress(name)
		if err != nil {
			return err
		}
		if state == want {
			return nil
		}
		if state == query.StateFailed {
			st, _ := m.Status(name)
			return fmt.Errorf("bench: sql: %s failed: %s", name, st.LastError)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
}

// emitDelay writes readings of 20 devices every 5 ms, their event time the wall clock,
// into a windowed query of one-second windows, and measures, for every window written, the
// time from the arrival of the reading that moved its device's watermark past the window's
// end to the arrival of its row in the output stream.
func emitDelay(ctx context.Context, st *shards.Store, m *query.Manager, o SQLOptions, res *SQLResult) error {
	in, err := st.CreateStream("emit_in", shards.StreamConfig{Shards: 1})
	if err != nil {
		return err
	}
	if err := runSQL(ctx, m, `CREATE STREAM emit_readings (device STRING, ts TIMESTAMP) WITH (source = 'emit_in', timestamp = 'ts');
		CREATE QUERY bench_emit AS INSERT INTO emit_out SELECT device, COUNT(*) AS n, window_end FROM emit_readings
		GROUP BY device, TUMBLE(ts, INTERVAL '1' SECOND)`); err != nil {
		return err
	}
	if err := waitState(ctx, m, "bench_emit", query.StateRunning); err != nil {
		return err
	}
	const devices = 20
	end := time.Now().Add(o.EmitDuration)
	tick := time.NewTicker(5 * time.Millisecond)
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			tick.Stop()
			return ctx.Err()
		case <-tick.C:
		}
		now := time.Now().UnixMilli()
		entries := make([]shards.PutEntry, devices)
		for d := range entries {
			dev := fmt.Sprintf("e%02d", d)
			entries[d] = shards.PutEntry{PartitionKey: dev, Data: fmt.Appendf(nil, `{"device":%q,"ts":%d}`, dev, now)}
		}
		if _, err := in.PutRecords(ctx, entries); err != nil {
			tick.Stop()
			return err
		}
	}
	tick.Stop()
	if err := sleepCtx(ctx, 200*time.Millisecond); err != nil { // the last rows' writes
		return err
	}
	// The arrival of the first reading of each device at or after each window's end.
	type key struct {
		dev string
		end int64
	}
	passed := map[key]time.Time{}
	err = eachRecord(in, func(r *shards.Record) {
		var v struct {
			Device string
			TS     int64
		}
		if json.Unmarshal(r.Data, &v) != nil {
			return
		}
		k := key{v.Device, v.TS / 1000 * 1000}
		if _, ok := passed[k]; !ok {
			passed[k] = r.ArrivalTime
		}
	})
	if err != nil {
		return err
	}
	out, err := st.Stream("emit_out")
	if err != nil {
		return fmt.Errorf("bench: sql: the windowed query wrote nothing: %w", err)
	}
	var lat Latencies
	err = eachRecord(out, func(r *shards.Record) {
		var v struct {
			Device    string
			WindowEnd time.Time `json:"window_end"`
		}
		if json.Unmarshal(r.Data, &v) != nil {
			return
		}
		if at, ok := passed[key{v.Device, v.WindowEnd.UnixMilli()}]; ok {
			lat.Add(max(r.ArrivalTime.Sub(at), 0))
		}
	})
	if err != nil {
		return err
	}
	res.Windows = lat.Len()
	res.EmitP50Ms, res.EmitP99Ms = ms(lat.Percentile(50)), ms(lat.Percentile(99))
	return runSQL(ctx, m, "DROP QUERY bench_emit")
}

// eachRecord hands every record of s to f, shard after shard.
func eachRecord(s *shards.Stream, f func(*shards.Record)) error {
	for _, info := range s.Shards() {
		c, err := s.Iterator(info.ShardID, shards.TrimHorizon, "", time.Time{})
		if err != nil {
			return err
		}
		for {
			res, err := s.Read(c, shards.MaxRecordsPerRead)
			if err != nil {
				return err
			}
			for i := range res.Records {
				f(&res.Records[i])
			}
			if len(res.Records) == 0 || res.Closed {
				break
			}
			c = res.Next
		}
	}
	return nil
}
