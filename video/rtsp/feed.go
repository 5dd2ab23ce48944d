package rtsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"log/slog"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
)

// timing is what the RTSP library knows of a packet's time: its
// presentation time in clock ticks since the session began, synchronised
// across tracks. The camera's wall clock comes from the RTCP sender
// reports, which the feed reads itself: gortsplib v4.16.2 reads the NTP
// fraction as nanoseconds, off by up to 3.3 s from what RFC 3550 senders
// (cameras, ffmpeg) mean.
type timing interface {
	PacketPTS2(*description.Media, *rtp.Packet) (int64, bool)
}

// wallClock ties a media's RTP time to the camera's clock, as its last
// sender report said.
type wallClock struct {
	ntp time.Time
	rtp uint32
}

// feed connects one RTSP session (a client's or a server's) to a camera:
// packets in, frames out to the camera's session.
type feed struct {
	cam  *cameras.Camera
	log  *slog.Logger
	time timing
	hang func() // hangs up the RTSP session
	now  func() time.Time

	mu       sync.Mutex // guards the fields below; one packet at a time
	tracks   []*track
	byFormat map[format.Format]*track
	clocks   map[*description.Media]wallClock
	session  *cameras.Session
	waiting  bool // for the first frame of an MJPEG track, which gives its size
	ended    bool
	errs     int64 // packets whose media could not be decoded
	warned   time.Time
}

// newFeed picks the tracks of desc. Nothing is recorded until begin.
func newFeed(cam *cameras.Camera, desc *description.Session, tm timing, hang func()) (*feed, error) {
	ts, skipped, err := tracksOf(desc)
	if err != nil {
		return nil, err
	}
	f := &feed{cam: cam, log: cam.Logger(), time: tm, hang: hang, now: time.Now, tracks: ts,
		byFormat: map[format.Format]*track{}, clocks: map[*description.Media]wallClock{}}
	for _, t := range ts {
		f.byFormat[t.format] = t
	}
	for _, s := range skipped {
		f.log.Info("camera track not recorded", "camera", cam.Name(), "track", s)
	}
	return f, nil
}

// medias are the medias of the tracks, to set up.
func (f *feed) medias() []*description.Media {
	var out []*description.Media
	for _, t := range f.tracks {
		out = append(out, t.media)
	}
	return out
}

// begin starts the camera's session, unless an MJPEG track's picture size
// is still unknown: then the first frame that gives it begins.
func (f *feed) begin() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tracks {
		if c, ok := t.codec.(fragments.MJPEG); ok && c.Width == 0 {
			f.waiting = true
			return nil
		}
	}
	return f.beginLocked()
}

func (f *feed) beginLocked() error {
	s, err := f.cam.Begin(storeTracks(f.tracks), f.hang)
	if err != nil {
		return err
	}
	f.session, f.waiting = s, false
	if f.ended {
		s.End(fragments.ReasonCameraOffline, "the session ended as it began")
	}
	return nil
}

// packet takes an RTP packet of the session.
func (f *feed) packet(m *description.Media, fm format.Format, pkt *rtp.Packet) {
	received := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.byFormat[fm]
	if t == nil || f.ended {
		return
	}
	pts, ok := f.time.PacketPTS2(m, pkt)
	if !ok {
		return // no time yet: the packet came before the session's first
	}
	var producer time.Time
	if c, ok := f.clocks[m]; ok {
		producer = c.ntp.Add(ticks(int64(int32(pkt.Timestamp-c.rtp)), t.clock))
	}
	units, err := depacketize(t, pkt, pts)
	if err != nil {
		f.decodeError(t, err)
	}
	for _, u := range units {
		p := producer
		if !p.IsZero() {
			p = p.Add(ticks(u.pts-pts, t.clock)) // a later access unit of the packet
		}
		f.frame(t, u, received, p)
	}
}

// rtcp takes an RTCP packet of the session: a sender report sets its
// media's wall clock.
func (f *feed) rtcp(m *description.Media, pkt rtcp.Packet) {
	sr, ok := pkt.(*rtcp.SenderReport)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clocks[m] = wallClock{ntp: ntpTime(sr.NTPTime), rtp: sr.RTPTime}
}

// ntpTime reads an NTP timestamp (RFC 3550): seconds since 1900 in the
// high 32 bits, the fraction of a second in the low 32.
func ntpTime(v uint64) time.Time {
	const unixFrom1900 = 2208988800
	frac := (v & 0xffffffff) * uint64(time.Second) >> 32
	return time.Unix(int64(v>>32)-unixFrom1900, int64(frac)).UTC()
}

// depacketize runs the track's depacketizer, whose parsers (ours and the
// RTSP library's) see what the camera sends: a panic in them is an error
// here, and the track starts over.
func depacketize(t *track, pkt *rtp.Packet, pts int64) (units []unit, err error) {
	defer func() {
		if r := recover(); r != nil {
			units, err = nil, fmt.Errorf("depacketizer failed on a packet: %v", r)
			if nt, e := newTrack(t.format); e == nil {
				t.dep = nt.dep
			}
		}
	}()
	return t.dep.decode(pkt, pts)
}

// frame hands an access unit to the camera's session.
func (f *feed) frame(t *track, u unit, received, producer time.Time) {
	if c, ok := t.codec.(fragments.MJPEG); ok {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(u.payload))
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
			f.decodeError(t, fmt.Errorf("mjpeg: a frame that is no JPEG picture: %v", err))
			return
		}
		if cfg.Width != c.Width || cfg.Height != c.Height {
			t.codec = fragments.MJPEG{Width: cfg.Width, Height: cfg.Height}
			switch {
			case f.waiting:
				if !f.mjpegSized() {
					return
				}
				if err := f.beginLocked(); err != nil {
					f.log.Error("camera recording not started", "camera", f.cam.Name(), "err", err)
					f.ended = true
					f.hang()
					return
				}
			case f.session != nil:
				f.session.SetTracks(storeTracks(f.tracks))
			}
		}
	}
	if f.session == nil {
		return // waiting for an MJPEG size
	}
	fr := fragments.Frame{Track: t.id, DTS: ticks(u.dts, t.clock), PTS: ticks(u.pts, t.clock),
		Received: received, Producer: producer}
	// One copy: the units share the RTSP library's packet buffers.
	if u.nalus != nil {
		n := 0
		for _, nalu := range u.nalus {
			n += len(nalu)
		}
		buf := make([]byte, 0, n)
		fr.NALUs = make([][]byte, len(u.nalus))
		for i, nalu := range u.nalus {
			buf = append(buf, nalu...)
			fr.NALUs[i] = buf[len(buf)-len(nalu):]
		}
	} else {
		fr.Payload = bytes.Clone(u.payload)
	}
	f.session.WriteFrame(fr)
}

func (f *feed) mjpegSized() bool {
	for _, t := range f.tracks {
		if c, ok := t.codec.(fragments.MJPEG); ok && c.Width == 0 {
			return false
		}
	}
	return true
}

// packetError counts a packet the RTSP library could not decode.
func (f *feed) packetError(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs++
	if now := f.now(); now.Sub(f.warned) >= time.Minute {
		f.warned = now
		f.log.Warn("camera packets not decoded", "camera", f.cam.Name(), "err", err, "errors", f.errs)
	}
}

// decodeError counts a packet that could not be decoded, and logs at most
// one a minute: a camera sending garbage must not flood the log.
func (f *feed) decodeError(t *track, err error) {
	f.errs++
	if now := f.now(); now.Sub(f.warned) >= time.Minute {
		f.warned = now
		level := slog.LevelWarn
		if errors.Is(err, errTiming) {
			level = slog.LevelInfo
		}
		f.log.Log(context.Background(), level, "camera media not decoded; the track resumes at its next keyframe", "camera", f.cam.Name(),
			"track", t.id, "codec", t.codec.String(), "err", err, "errors", f.errs)
	}
}

// end ends the camera's session with a gap of the reason.
func (f *feed) end(reason fragments.Reason, detail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
	if f.session != nil {
		f.session.End(reason, detail)
	}
}

// ticks converts RTP clock ticks to a duration without overflow.
func ticks(v, clock int64) time.Duration {
	return time.Duration(v/clock)*time.Second + time.Duration(v%clock)*time.Second/time.Duration(clock)
}
