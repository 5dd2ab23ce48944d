package kinesisapi

import (
	"sort"
	"sync"
	"time"

	"github.com/tidegate/tidegate/shards"
)

// Per-shard limits of Kinesis Data Streams, enforced for streams where
// API.Throttled is true.
const (
	limitRecordsIn = 1000    // records/s
	limitBytesIn   = 1 << 20 // bytes/s
	limitCallsOut  = 5       // GetRecords calls/s
	limitBytesOut  = 2 << 20 // bytes/s
)

// bucket is a token bucket holding at most one second of its rate.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) refill(rate float64, now time.Time) {
	if b.last.IsZero() {
		b.tokens, b.last = rate, now
		return
	}
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(rate, b.tokens+d*rate)
		b.last = now
	}
}

// shardBuckets are one shard's buckets.
type shardBuckets struct {
	recordsIn, bytesIn, callsOut, bytesOut bucket
	used                                   time.Time
}

type shardKey struct{ stream, shard string }

// limiter holds the buckets of every throttled shard that was used in the
// last minute.
type limiter struct {
	mu     sync.Mutex
	shards map[shardKey]*shardBuckets
	pruned time.Time
}

const idleBuckets = time.Minute

func (a *API) throttled(stream string) bool { return a.Throttled != nil && a.Throttled(stream) }

func (a *API) limiter() *limiter {
	a.limitsOnce.Do(func() { a.limits = &limiter{shards: map[shardKey]*shardBuckets{}} })
	return a.limits
}

// get returns a shard's buckets, refilled to now. The caller holds l.mu.
func (l *limiter) get(stream, shard string, now time.Time) *shardBuckets {
	if now.Sub(l.pruned) > idleBuckets {
		for k, b := range l.shards {
			if now.Sub(b.used) > idleBuckets {
				delete(l.shards, k)
			}
		}
		l.pruned = now
	}
	k := shardKey{stream, shard}
	b := l.shards[k]
	if b == nil {
		b = &shardBuckets{}
		l.shards[k] = b
	}
	b.used = now
	b.recordsIn.refill(limitRecordsIn, now)
	b.bytesIn.refill(limitBytesIn, now)
	b.callsOut.refill(limitCallsOut, now)
	b.bytesOut.refill(limitBytesOut, now)
	return b
}

// admitPut takes one record of size bytes from a shard's input buckets, or
// reports that they are empty. A record bigger than a second's worth of
// bytes (a stream with a large MaxRecordSize) passes when the bucket is full.
func (l *limiter) admitPut(stream, shard string, size int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(stream, shard, now)
	n := float64(size)
	if b.recordsIn.tokens < 1 || (b.bytesIn.tokens < n && b.bytesIn.tokens < limitBytesIn) {
		return false
	}
	b.recordsIn.tokens--
	b.bytesIn.tokens -= n
	return true
}

// admitGet takes a GetRecords call from a shard's output buckets. Like
// Kinesis, a read may return more than the byte rate (up to 10 MiB); the
// debt it leaves refuses the calls that follow until it is paid.
func (l *limiter) admitGet(stream, shard string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(stream, shard, now)
	if b.callsOut.tokens < 1 || b.bytesOut.tokens <= 0 {
		return false
	}
	b.callsOut.tokens--
	return true
}

func (l *limiter) chargeGet(stream, shard string, bytes int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(stream, shard, now).bytesOut.tokens -= float64(bytes)
}

// router finds the open shard a record goes to, as the engine routes it.
type router struct{ open []shards.ShardInfo }

func newRouter(s *shards.Stream) router {
	var open []shards.ShardInfo
	for _, sh := range s.Shards() {
		if sh.Open() {
			open = append(open, sh)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].HashKeyRange.Start.Cmp(open[j].HashKeyRange.Start) < 0 })
	return router{open}
}

func (r router) shardFor(e shards.PutEntry) string {
	h := shards.HashPartitionKey(e.PartitionKey)
	if e.ExplicitHashKey != "" {
		h, _ = shards.ParseHashKey(e.ExplicitHashKey) // checked by checkEntry
	}
	i := sort.Search(len(r.open), func(i int) bool { return r.open[i].HashKeyRange.End.Cmp(h) >= 0 })
	if i == len(r.open) {
		return ""
	}
	return r.open[i].ShardID
}
