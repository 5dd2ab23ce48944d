package webrtc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/pion/rtp"

	"github.com/tidegate/tidegate/video/fragments"
)

// A browser's WHIP offer (Chromium 156, trimmed of its VP8/VP9/AV1
// sections' lines but one), the seed of the fuzz tests.
const browserOffer = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
	"a=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
	"a=setup:actpass\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n" +
	"a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96 102\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
	"a=setup:actpass\r\na=mid:1\r\na=sendonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n" +
	"a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack pli\r\n" +
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==\r\n"

// FuzzParseOffer: any body gives an offer or ErrBadOffer, never a panic,
// and an offer takes H.264 or Opus in the direction asked.
func FuzzParseOffer(f *testing.F) {
	f.Add([]byte(browserOffer), true)
	f.Add([]byte(strings.ReplaceAll(browserOffer, "sendonly", "recvonly")), false)
	f.Add([]byte("v=0\r\n"), true)
	f.Add([]byte("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"), false)
	f.Fuzz(func(t *testing.T, body []byte, publish bool) {
		o, err := parseOffer(body, publish)
		if err != nil {
			if !errors.Is(err, ErrBadOffer) {
				t.Fatalf("error %v is not ErrBadOffer", err)
			}
			return
		}
		if !o.video && len(o.audio) == 0 {
			t.Fatal("an offer with no track")
		}
		if (o.sps == nil) != (o.pps == nil) {
			t.Fatal("an SPS without a PPS")
		}
	})
}

func TestParseOfferBrowser(t *testing.T) {
	o, err := parseOffer([]byte(browserOffer), true)
	if err != nil {
		t.Fatal(err)
	}
	if !o.video || strings.Join(o.audio, ",") != "opus" || o.stereo || len(o.sps) == 0 || len(o.pps) == 0 || o.sps[0]&0x1f != 7 {
		t.Errorf("%+v", o)
	}
	if _, err := parseOffer([]byte(browserOffer), false); !errors.Is(err, ErrBadOffer) {
		t.Errorf("a sending offer taken for playback: %v", err)
	}
}

// FuzzDepacketize feeds arbitrary packets to the H.264 and Opus
// depacketizers: frames or errors, never a panic, and every H.264 frame
// is a non-empty access unit whose decode time does not pass its
// presentation time.
func FuzzDepacketize(f *testing.F) {
	c := testClip(f)
	enc := &rtph264.Encoder{PayloadType: 96, PayloadMaxSize: 200}
	if err := enc.Init(); err != nil {
		f.Fatal(err)
	}
	var seed bytes.Buffer
	for i := range 4 {
		au := c.aus[i]
		if i == 0 {
			au = append([][]byte{c.sps, c.pps}, au...)
		}
		pkts, err := enc.Encode(au)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range pkts {
			p.Timestamp = uint32(i * 3600)
			b, _ := p.Marshal()
			binary.Write(&seed, binary.BigEndian, uint16(len(b)))
			seed.Write(b)
		}
	}
	f.Add(seed.Bytes(), true)
	f.Add([]byte{0, 13, 0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xfc}, false)
	f.Fuzz(func(t *testing.T, stream []byte, video bool) {
		var codec fragments.Codec = fragments.Opus{Channels: 2}
		if video {
			codec = fragments.H264{}
		}
		d, err := newDepacketizer(1, codec)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Duration(0)
		for len(stream) >= 2 {
			n := int(binary.BigEndian.Uint16(stream))
			stream = stream[2:]
			if n > len(stream) {
				n = len(stream)
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(stream[:n]) != nil {
				stream = stream[n:]
				continue
			}
			stream = stream[n:]
			at += time.Millisecond
			frames, _ := d.packet(&pkt, at)
			for _, fr := range frames {
				if video && len(fr.NALUs) == 0 {
					t.Fatal("an empty access unit")
				}
				for _, nalu := range fr.NALUs {
					if len(nalu) == 0 {
						t.Fatal("an empty NALU")
					}
				}
				if !video && len(fr.Payload) == 0 {
					t.Fatal("an empty Opus frame")
				}
			}
		}
	})
}

// FuzzWHIPRequest posts arbitrary offers to the WHIP handler of a real
// server and store: an answer or a 4xx, never a panic, never a session
// or camera left behind by a refusal.
func FuzzWHIPRequest(f *testing.F) {
	f.Add([]byte(browserOffer), "application/sdp")
	f.Add([]byte("v=0\r\n"), "application/sdp")
	f.Add([]byte(browserOffer), "text/plain")
	// The fuzz function may not log through f.
	r := newRigLog(f, slog.New(slog.DiscardHandler))
	h := r.srv.Routes()[0].Handler
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		req := httptest.NewRequest("POST", "/video/fuzz/whip", bytes.NewReader(body))
		req.SetPathValue("camera", "fuzz")
		req.Header.Set("Content-Type", ctype)
		_, existed := r.cams.Camera("fuzz")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusCreated:
			r.hangUp()
			return
		case http.StatusBadRequest:
		default:
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if n := r.srv.Sessions(); n != 0 {
			t.Fatalf("%d sessions held after a refusal", n)
		}
		if _, ok := r.cams.Camera("fuzz"); ok && !existed {
			t.Fatal("a refused offer made its camera")
		}
	})
}

// A packet with no payload (padding, which browsers send to probe the
// bandwidth) is no frame and no error.
func TestDepacketizePadding(t *testing.T) {
	for _, codec := range []fragments.Codec{fragments.H264{}, fragments.Opus{Channels: 2}} {
		d, _ := newDepacketizer(1, codec)
		frames, err := d.packet(&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PaddingSize: 200}}, 0)
		if len(frames) != 0 || err != nil {
			t.Errorf("%s: %d frames, %v", codec, len(frames), err)
		}
	}
}
