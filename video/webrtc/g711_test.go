package webrtc

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// A publisher that sends G.711 (PCMU) with its video is recorded with
// it; a viewer of the camera gets the G.711 as it came.
func TestWHIPAndWHEPWithG711(t *testing.T) {
	c := testClip(t)
	r := newRig(t)
	// A device that sends G.711 only.
	me := &webrtc.MediaEngine{}
	me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 96}, webrtc.RTPCodecTypeVideo)
	me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0}, webrtc.RTPCodecTypeAudio)
	pc, err := clientAPIWith(t, me).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	video, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, "video", "pion")
	audio, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, "audio", "pion")
	for _, tr := range []webrtc.TrackLocal{video, audio} {
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
	}
	loc, err := signal(t, pc, r.http.URL+"/video/gate/whip", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the publisher to connect", 10*time.Second, func() bool { return pc.ConnectionState() == webrtc.PeerConnectionStateConnected })

	// A viewer that takes PCMU, after Opus, as browsers offer.
	vpc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer vpc.Close()
	vpc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	var heard atomic.Int64
	var mime atomic.Value
	vpc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		mime.Store(tr.Codec().MimeType)
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if bytes.Equal(pkt.Payload, bytes.Repeat([]byte{0x55}, 160)) {
				heard.Add(1)
			}
		}
	})

	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	viewing := false
	for i := range 150 { // 3 s
		if i%2 == 0 {
			video.WriteSample(media.Sample{Data: c.annexB(i / 2), Duration: 40 * time.Millisecond})
		}
		audio.WriteSample(media.Sample{Data: bytes.Repeat([]byte{0x55}, 160), Duration: 20 * time.Millisecond})
		if i == 25 && !viewing {
			viewing = true
			if _, err := signal(t, vpc, r.http.URL+"/video/gate/whep", nil); err != nil {
				t.Fatal(err)
			}
		}
		<-tick.C
	}
	if n := heard.Load(); n < 50 || !strings.EqualFold(mime.Load().(string), webrtc.MimeTypePCMU) {
		t.Errorf("the viewer heard %d packets of %v, want at least 50 of PCMU", n, mime.Load())
	}
	deleteSession(t, r.http.URL+loc)
	waitFor(t, "the session to end", 5*time.Second, func() bool { st := r.cams.Cameras(); return len(st) == 1 && !st[0].Recording })
	info, err := r.store.Camera("gate")
	if err != nil {
		t.Fatal(err)
	}
	if info.Codecs != "h264,pcm_s16be" {
		t.Errorf("recorded %q, want h264 and G.711 (as 16-bit PCM)", info.Codecs)
	}
	frames := 0
	for _, m := range r.media(t, "gate") {
		frames += m.Frames
	}
	if frames < 150+60 {
		t.Errorf("%d frames recorded, want most of the 75 video and 150 audio frames", frames)
	}
}

func TestAudioCodecsOfAnOffer(t *testing.T) {
	for sdp, want := range map[string]string{
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\na=rtpmap:111 opus/48000/2\r\n":                              "opus pcmu pcma",
		"m=audio 9 UDP/TLS/RTP/SAVPF 8 0\r\n":                                                               "pcma pcmu",
		"m=audio 9 UDP/TLS/RTP/SAVPF 96 0\r\na=rtpmap:96 PCMU/16000\r\na=rtpmap:0 PCMU/8000\r\n":            "pcmu",
		"m=audio 9 UDP/TLS/RTP/SAVPF 9 13\r\na=rtpmap:9 G722/8000\r\na=rtpmap:13 CN/8000\r\n":               "",
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 112\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:112 OPUS/48000/2\r\n": "opus",
	} {
		o, err := parseOffer([]byte("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"+sdp+"a=sendonly\r\n"), true)
		got := ""
		if err == nil {
			got = strings.Join(o.audio, " ")
		}
		if got != want {
			t.Errorf("%q: %q (%v), want %q", sdp, got, err, want)
		}
	}
	if _, err := parseOffer([]byte("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=sendonly\r\n"), true); err != nil {
		t.Errorf("a G.711 offer: %v", err)
	}
}
