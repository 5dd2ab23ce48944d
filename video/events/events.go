// Package events puts a record into a stream for every fragment the video
// store keeps — camera, fragment number, timestamps, duration, frames,
// keyframes, size — so that queries and deliveries follow video as they
// follow any data.
//
// It never slows a recording: each camera's subscription to the store is
// forwarded, without waiting, into one bounded queue, which one goroutine
// writes into the streams, the events of up to a second (Linger) a put:
// every put is a commit and an fsync of the stream, and one per fragment
// of every camera would write more bytes of index than of events (at 16
// cameras, 4 % on top of the video). When the queue is full the event is dropped
// and counted (the fragment itself is stored all the same), and the drop
// is logged once a minute at most.
//
// Life: fields → Initialize → Watch per camera (each stopped by its stop
// function) → Close, which writes what is queued and stops.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidegate/tidegate/shards"
	"github.com/tidegate/tidegate/video/fragments"
)

// DefaultStream is the events stream of a camera that names none.
const DefaultStream = "video-events"

// DefaultQueue is how many events wait for their stream at most.
const DefaultQueue = 1024

// maxBatch is the most records one put carries (the Kinesis limit).
const maxBatch = 500

// DefaultLinger is how long the first event of a put waits for others.
const DefaultLinger = time.Second

// Record is one fragment event, as stored (JSON), partition key the
// camera.
type Record struct {
	Camera   string `json:"camera"`
	Fragment uint64 `json:"fragment_number"`
	// Server is the gateway's receive time of the fragment's first frame;
	// Producer the camera's clock then, when it is known.
	Server     time.Time  `json:"server_timestamp"`
	Producer   *time.Time `json:"producer_timestamp,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	Frames     int        `json:"frames"`
	Keyframes  int        `json:"keyframes"` // the first frame is always one
	Size       int64      `json:"size_bytes"`
}

// RecordOf is the event of a fragment.
func RecordOf(f fragments.Fragment) Record {
	r := Record{Camera: f.Camera, Fragment: f.Number, Server: f.Server.UTC(), DurationMS: f.Duration.Milliseconds(),
		Frames: f.Frames, Keyframes: f.Keyframes, Size: f.Size}
	if !f.Producer.IsZero() {
		p := f.Producer.UTC()
		r.Producer = &p
	}
	return r
}

// Writer writes the events of the cameras it watches.
type Writer struct {
	Streams *shards.Store
	Video   *fragments.Store
	Logger  *slog.Logger
	// Queue bounds the events waiting (DefaultQueue if 0).
	Queue int
	// NewStream is what a missing events stream is created with.
	NewStream shards.StreamConfig
	// Linger is how long an event waits for others to share its put
	// (DefaultLinger if 0; negative: no wait).
	Linger time.Duration

	q      chan event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	written, dropped, failed, puts atomic.Int64
	warnedAt                       atomic.Int64 // unix nanos of the last warning
	closing                        sync.Once
}

type event struct {
	stream string
	frag   fragments.Fragment
}

// Initialize starts the writer.
func (w *Writer) Initialize() error {
	if w.Streams == nil || w.Video == nil {
		return errors.New("events: writer without its stores")
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Queue <= 0 {
		w.Queue = DefaultQueue
	}
	if w.Linger == 0 {
		w.Linger = DefaultLinger
	}
	w.q = make(chan event, w.Queue)
	w.start()
	return nil
}

func (w *Writer) start() {
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.done = make(chan struct{})
	go w.run()
}

// Watch follows a camera's new fragments into stream until stop is
// called. The camera must exist in the video store (Configure makes it).
func (w *Writer) Watch(camera, stream string) (stop func(), err error) {
	sub, err := w.Video.Subscribe(camera, 64)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	var mu sync.Mutex // guards sub, which a lag replaces, and stopped
	stopped := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		var last uint64
		s := sub
		for {
			for f := range s.C() {
				if last > 0 && f.Number > last+1 {
					// Missed while subscribing again after a lag.
					w.drop(int64(f.Number-last-1), camera)
				}
				last = f.Number
				w.offer(event{stream: stream, frag: f})
			}
			if !errors.Is(s.Err(), fragments.ErrLagged) {
				return
			}
			// The forwarder never waits, so only a starved scheduler
			// gets here: subscribe again and count what was missed.
			ns, err := w.Video.Subscribe(camera, 64)
			if err != nil {
				return
			}
			mu.Lock()
			if stopped {
				mu.Unlock()
				ns.Close()
				return
			}
			sub, s = ns, ns
			mu.Unlock()
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			stopped = true
			sub.Close()
			mu.Unlock()
			<-done
		})
	}, nil
}

// offer queues an event without waiting.
func (w *Writer) offer(e event) {
	select {
	case w.q <- e:
	default:
		w.drop(1, e.frag.Camera)
	}
}

func (w *Writer) drop(n int64, camera string) {
	total := w.dropped.Add(n)
	w.warn("video fragment events dropped: the events queue is full (the fragments are stored)", "camera", camera, "dropped", total)
}

// warn logs at most once a minute.
func (w *Writer) warn(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := w.warnedAt.Load()
	if now-last < int64(time.Minute) || !w.warnedAt.CompareAndSwap(last, now) {
		return
	}
	w.Logger.Warn(msg, args...)
}

// run writes the queue, many events a put: the first of a put waits
// Linger for others.
func (w *Writer) run() {
	defer close(w.done)
	for {
		select {
		case e := <-w.q:
			w.write(w.take(w.linger([]event{e})))
		case <-w.ctx.Done():
			// Close: what is queued is written.
			for batch := w.take(nil); len(batch) > 0; batch = w.take(nil) {
				w.write(batch)
			}
			return
		}
	}
}

// linger adds to batch the events that come within Linger, up to
// maxBatch, or until Close.
func (w *Writer) linger(batch []event) []event {
	if w.Linger < 0 {
		return batch
	}
	t := time.NewTimer(w.Linger)
	defer t.Stop()
	for len(batch) < maxBatch {
		select {
		case e := <-w.q:
			batch = append(batch, e)
		case <-t.C:
			return batch
		case <-w.ctx.Done():
			return batch
		}
	}
	return batch
}

// take adds to batch what the queue holds, up to maxBatch, without
// waiting.
func (w *Writer) take(batch []event) []event {
	for len(batch) < maxBatch {
		select {
		case e := <-w.q:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// write puts a batch, stream by stream, keeping each camera's order.
func (w *Writer) write(batch []event) {
	var order []string
	by := map[string][]shards.PutEntry{}
	for _, e := range batch {
		data, err := json.Marshal(RecordOf(e.frag))
		if err != nil {
			continue // a Record always marshals
		}
		if _, ok := by[e.stream]; !ok {
			order = append(order, e.stream)
		}
		by[e.stream] = append(by[e.stream], shards.PutEntry{PartitionKey: e.frag.Camera, Data: data})
	}
	for _, name := range order {
		entries := by[name]
		s, err := w.stream(name)
		if err == nil {
			w.puts.Add(1)
			_, err = s.PutRecords(context.Background(), entries)
		}
		if err != nil {
			w.failed.Add(int64(len(entries)))
			w.warn("video fragment events not written", "stream", name, "events", len(entries), "err", err)
			continue
		}
		w.written.Add(int64(len(entries)))
	}
}

// stream returns the events stream, creating it if missing.
func (w *Writer) stream(name string) (*shards.Stream, error) {
	s, err := w.Streams.Stream(name)
	if errors.Is(err, shards.ErrNotFound) {
		s, err = w.Streams.CreateStream(name, w.NewStream)
		if errors.Is(err, shards.ErrExists) {
			s, err = w.Streams.Stream(name)
		} else if err == nil {
			w.Logger.Info("stream created for video fragment events", "stream", name)
		}
	}
	return s, err
}

// Stats are the writer's counters.
type Stats struct {
	Written int64 // events stored
	Dropped int64 // events not queued: the queue was full
	Failed  int64 // events the stream refused
	Puts    int64 // puts (commits) into the streams
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	return Stats{Written: w.written.Load(), Dropped: w.dropped.Load(), Failed: w.failed.Load(), Puts: w.puts.Load()}
}

// Close writes the events queued and stops. Stop the watches first.
func (w *Writer) Close() {
	w.closing.Do(func() {
		w.cancel()
		<-w.done
	})
}
