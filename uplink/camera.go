package uplink

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/video/fragments"
)

// A delivery from a camera (from: camera/<name>) sends its recording as
// MP4 objects: each a progressive MP4 of consecutive fragments, about
// ClipLength long, made from the video store's files when it is sent. Its
// checkpoint is the number of the last fragment delivered
// (DATA_DIR/uplink/NAME.camera), written after the destination took the
// clip; the clip being sent is written down first (NAME.clip), so that
// after a kill -9 exactly that clip, under the same name, is sent again:
// every fragment reaches the destination once, in order, as one object
// that a retry overwrites. Retries, back-off, the priority gate, the
// bandwidth cap, pausing and status are the record deliveries'.

// cameraMark is a camera delivery's checkpoint, or its clip in flight.
type cameraMark struct {
	Camera string `json:"camera"`
	// First and Last are the clip's fragments (the checkpoint's First is
	// zero: Last is the last fragment delivered, 0 for none yet).
	First uint64 `json:"first,omitempty"`
	Last  uint64 `json:"last"`
}

func (m *Manager) cameraPath(delivery, ext string) string {
	return filepath.Join(m.Dir, delivery+ext)
}

func (m *Manager) loadCameraMark(delivery, ext string) (*cameraMark, error) {
	b, err := os.ReadFile(m.cameraPath(delivery, ext))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var mk cameraMark
	if err := json.Unmarshal(b, &mk); err != nil {
		return nil, fmt.Errorf("uplink: delivery %q: damaged %s: %w", delivery, m.cameraPath(delivery, ext), err)
	}
	return &mk, nil
}

func (m *Manager) saveCameraMark(delivery, ext string, mk cameraMark) error {
	b, _ := json.Marshal(mk)
	return durable.WriteFile(m.cameraPath(delivery, ext), b, 0o600)
}

// cameraLoop runs a delivery from a camera until its context ends; it
// returns an error that can heal (no such camera yet, the store closed)
// for run to start it again.
func (d *delivery) cameraLoop() error {
	camera, _ := d.spec.Camera()
	st := d.m.Video
	if st == nil {
		return fmt.Errorf("uplink: delivery %q: no video store", d.spec.Name)
	}
	if _, err := st.Camera(camera); err != nil {
		return fmt.Errorf("uplink: delivery %q: camera %q: %w", d.spec.Name, camera, err)
	}
	last, err := d.cameraStart(st, camera)
	if err != nil {
		return err
	}
	d.setCameraPosition(last)
	d.mu.Lock()
	if d.status.State == StateStopped {
		d.status.State = StateDelivering
	}
	d.mu.Unlock()
	replay, err := d.m.loadCameraMark(d.spec.Name, ".clip")
	if err != nil {
		d.log.Warn("clip in flight", "err", err)
	}
	ctx := d.ctx
	for {
		var first, end uint64
		if replay != nil && replay.Camera == camera && replay.Last > last {
			first, end = replay.First, replay.Last
			d.log.Info("re-sending the clip that was in flight at the last stop; the destination may have it already", "first", first, "last", end)
		} else {
			if first, end, err = d.nextClip(ctx, st, camera, last); err != nil {
				return err
			}
			if err := d.m.saveCameraMark(d.spec.Name, ".clip", cameraMark{Camera: camera, First: first, Last: end}); err != nil {
				d.log.Warn("clip in-flight marker not written", "err", err)
			}
		}
		if err := d.waitUnpaused(ctx); err != nil {
			return err
		}
		sent, err := d.sendClip(ctx, st, camera, first, end, replay != nil && replay.Last == end)
		if err != nil {
			return err
		}
		replay = nil
		for attempt := 1; ; attempt++ {
			if err = d.m.saveCameraMark(d.spec.Name, ".camera", cameraMark{Camera: camera, Last: sent}); err == nil {
				break
			}
			d.noteError(fmt.Errorf("checkpoint: %w", err))
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
		}
		os.Remove(d.m.cameraPath(d.spec.Name, ".clip"))
		last = sent
		d.setCameraPosition(last)
		d.setState(StateDelivering, nil)
		d.saveCounters(false)
	}
}

// cameraStart returns the checkpoint, writing the start position down on
// a delivery's first start.
func (d *delivery) cameraStart(st *fragments.Store, camera string) (uint64, error) {
	mk, err := d.m.loadCameraMark(d.spec.Name, ".camera")
	if err != nil {
		return 0, err
	}
	if mk != nil && mk.Camera == camera {
		return mk.Last, nil
	}
	var last uint64
	switch d.spec.Start {
	case StartLatest:
		info, err := st.Camera(camera)
		if err != nil {
			return 0, err
		}
		last = info.Next - 1
	case StartAtTimestamp:
		frs, err := st.Fragments(camera, fragments.Query{Start: d.spec.StartTime, Limit: 1})
		if err != nil {
			return 0, err
		}
		info, _ := st.Camera(camera)
		last = info.Next - 1
		if len(frs) > 0 {
			last = frs[0].Number - 1
		}
	}
	return last, d.m.saveCameraMark(d.spec.Name, ".camera", cameraMark{Camera: camera, Last: last})
}

func (d *delivery) setCameraPosition(last uint64) {
	d.mu.Lock()
	d.status.Positions[d.spec.From[0]] = map[string]string{"fragment": strconv.FormatUint(last, 10)}
	d.mu.Unlock()
}

// nextClip chooses the fragments of the next clip after fragment after:
// consecutive ones, about ClipLength of media and at most BufferSize
// bytes, ending before a gap in the recording, and, when the camera stops
// sending, once no fragment has come for BufferInterval.
func (d *delivery) nextClip(ctx context.Context, st *fragments.Store, camera string, after uint64) (first, last uint64, err error) {
	var dur time.Duration
	var size int64
	var prev *fragments.Fragment
	listed := after
	var deadline time.Time
	for {
		sub, err := st.Subscribe(camera, 64) // before listing: no fragment falls between
		if err != nil {
			return 0, 0, err
		}
		frs, err := st.Fragments(camera, fragments.Query{After: listed, Limit: 256})
		if err != nil {
			sub.Close()
			return 0, 0, err
		}
		for i := range frs {
			f := &frs[i]
			if prev != nil && (f.Server.Sub(prev.End()) > time.Second || size+f.Size > d.spec.BufferSize) {
				sub.Close()
				return first, prev.Number, nil // a gap, or a full buffer: the clip ends before f
			}
			if first == 0 {
				first = f.Number
			}
			prev, listed = f, f.Number
			dur += f.Duration
			size += f.Size
			deadline = time.Now().Add(d.spec.BufferInterval)
			if dur >= d.spec.ClipLength {
				sub.Close()
				return first, f.Number, nil
			}
		}
		if len(frs) == 256 {
			sub.Close()
			continue
		}
		var timeout <-chan time.Time
		var timer *time.Timer
		if prev != nil {
			timer = time.NewTimer(time.Until(deadline))
			timeout = timer.C
		}
		var expired bool
		select {
		case <-ctx.Done():
		case <-sub.C():
		case <-timeout:
			expired = true
		}
		sub.Close()
		if timer != nil {
			timer.Stop()
		}
		switch {
		case ctx.Err() != nil:
			return 0, 0, ctx.Err()
		case expired:
			return first, prev.Number, nil
		}
	}
}

// sendClip makes the MP4 of fragments first to last, as far as they go
// together (a codec change cuts the clip: the rest goes in the next), and
// sends it like a batch: retried, backing off, within the gate and the
// bandwidth cap. It returns the last fragment the clip held. Fragments
// retention deleted before they were sent are logged and counted as lost
// to retention. A destination that refuses the clip for good (or for
// longer than the retry duration) has a record of it put in the
// dead-letter stream, naming the camera and the fragments, which stay in
// the video store until its retention deletes them.
func (d *delivery) sendClip(ctx context.Context, st *fragments.Store, camera string, first, last uint64, replayed bool) (uint64, error) {
	frs, err := st.Fragments(camera, fragments.Query{After: first - 1, Limit: int(last - first + 1)})
	if err != nil {
		return 0, err
	}
	for len(frs) > 0 && frs[len(frs)-1].Number > last {
		frs = frs[:len(frs)-1]
	}
	if n := int(last-first+1) - len(frs); n > 0 {
		d.log.Warn("fragments deleted by the camera's retention before they were delivered", "camera", camera, "fragments", n, "first", first, "last", last)
	}
	if len(frs) == 0 {
		return last, nil
	}
	var buf bytes.Buffer
	clip, err := st.WriteFragmentsClip(ctx, &buf, camera, frs)
	if err != nil {
		if errors.Is(err, fragments.ErrNotFound) {
			return last, nil // deleted meanwhile
		}
		return 0, fmt.Errorf("uplink: delivery %q: clip of camera %q fragments %d-%d: %w", d.spec.Name, camera, first, last, err)
	}
	end := frs[clip.Fragments-1].Number // a codec change cut it short: the rest goes next
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d\x00%d", d.spec.Name, camera, first, end)))
	b := &Batch{
		ID: hex.EncodeToString(sum[:16]), Delivery: d.spec.Name, Created: time.Now(), Bytes: buf.Len(),
		Name: fmt.Sprintf("%s-%s-f%d-f%d.mp4", camera, clip.Start.UTC().Format("2006-01-02-15-04-05"), first, end),
		Records: []Record{{Stream: d.spec.From[0], ShardID: "fragments", Sequence: fmt.Sprintf("%d-%d", first, end),
			PartitionKey: camera, Arrival: clip.Start, Data: buf.Bytes()}},
	}
	if replayed {
		d.count(func(s *Status) { s.Redelivered++ })
	}
	return end, d.sendObject(ctx, b, camera, first, end)
}

// sendObject retries one clip by the error classes of the package
// documentation.
func (d *delivery) sendObject(ctx context.Context, b *Batch, camera string, first, last uint64) error {
	refused := time.Duration(0)
	for attempt := 1; ; attempt++ {
		if err := d.waitUnpaused(ctx); err != nil {
			return err
		}
		err := d.attempt(ctx, b)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			d.delivered(b)
			return nil
		}
		waiting := IsUnreachable(err)
		if waiting {
			d.setState(StateBackingOff, err)
		} else {
			d.setState(StateFailing, err)
		}
		if IsMaybeDelivered(err) {
			d.count(func(s *Status) { s.Redelivered++ })
		}
		if isPermanent(err) || (!waiting && refused >= d.spec.RetryDuration) {
			d.noteError(err)
			return d.deadLetterClip(ctx, b, camera, first, last, err, attempt)
		}
		wait := backoff(attempt)
		d.count(func(s *Status) { s.Retries++; s.NextAttempt = time.Now().Add(wait) })
		d.log.Warn("clip delivery failed; retrying", "attempt", attempt, "camera", camera, "first", first, "last", last, "retry_in", wait.Round(time.Millisecond), "err", err)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		if !waiting {
			refused += wait
		}
	}
}

// deadLetterClip puts a record of a clip given up on into the dead-letter
// stream: which camera, which fragments, when, and why.
func (d *delivery) deadLetterClip(ctx context.Context, b *Batch, camera string, first, last uint64, cause error, attempts int) error {
	r := b.Records[0]
	code := errorCode(cause)
	if c, ok := IsPermanent(cause); ok && c != "" {
		code = c
	}
	data, _ := json.Marshal(map[string]any{
		"deliveryStreamName": d.spec.Name, "camera": camera, "firstFragmentNumber": first, "lastFragmentNumber": last,
		"clipStartTimestamp": r.Arrival.UnixMilli(), "clipBytes": len(r.Data), "attemptsMade": attempts,
		"errorCode": code, "errorMessage": cause.Error(), "object": b.Name,
	})
	d.count(func(s *Status) { s.DeadLettered++ })
	return d.putDeadLetter(ctx, &Batch{ID: b.ID, Delivery: d.spec.Name, Created: time.Now(), Records: []Record{{Data: data}}, Bytes: len(data)})
}

// cameraBacklog measures what waits behind a camera delivery's checkpoint.
func (d *delivery) cameraBacklog(st *Status) {
	camera, _ := d.spec.Camera()
	p, ok := st.Positions[d.spec.From[0]]["fragment"]
	if !ok || d.m.Video == nil {
		return
	}
	last, _ := strconv.ParseUint(p, 10, 64)
	frs, err := d.m.Video.Fragments(camera, fragments.Query{After: last})
	if err != nil {
		return
	}
	for i, f := range frs {
		if i == 0 {
			st.MillisBehindLatest = time.Since(f.Server).Milliseconds()
		}
		st.BacklogRecords++
		st.BacklogBytes += f.Size
	}
}
