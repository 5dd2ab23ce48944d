package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"

	"github.com/tidegate/tidegate/internal/peer"
)

// whipPublish publishes the fragment store's H.264 test clip (2 s at
// 25 fps, in a loop) to camera over WHIP for the given time, with a pion
// client on loopback, and hangs up with DELETE.
func whipPublish(t *testing.T, base, camera, token string, d time.Duration) {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	me := &webrtc.MediaEngine{}
	me.RegisterDefaultCodecs()
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	track, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, "video", "pion")
	pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	connected := make(chan struct{}, 1)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			connected <- struct{}{}
		}
	})
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(offer)
	<-gathered
	req, _ := http.NewRequest("POST", base+"/video/"+camera+"/whip", strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHIP: %d %s", resp.StatusCode, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the WHIP publisher did not connect")
	}
	f, err := os.Open("../video/fragments/testdata/clip.h264")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var frames [][]byte // access units in Annex B, SPS and PPS with the first
	r, _ := h264reader.NewReader(f)
	var au []byte
	for {
		n, err := r.NextNAL()
		if err != nil {
			break
		}
		au = append(au, append([]byte{0, 0, 0, 1}, n.Data...)...)
		if n.UnitType == h264reader.NalUnitTypeCodedSliceIdr || n.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr {
			frames, au = append(frames, au), nil
		}
	}
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	for i := range int(d / (40 * time.Millisecond)) {
		fr := frames[i%len(frames)]
		if i%len(frames) == 0 && i > 0 {
			fr = append(append([]byte(nil), frames[0]...), fr[len(frames[0]):]...) // the SPS and PPS again
		}
		track.WriteSample(media.Sample{Data: fr, Duration: 40 * time.Millisecond})
		<-tick.C
	}
	del, _ := http.NewRequest("DELETE", base+resp.Header.Get("Location"), nil)
	del.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(del); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE %s: %v %v", del.URL, resp, err)
	}
}

// A gateway with credentials: a pion client publishes over WHIP with the
// gateway's token and becomes a camera; its recording plays in ffprobe
// through the gateway's HLS of a past range, with the token.
func TestWHIPToHLSThroughTheGateway(t *testing.T) {
	ffprobe := peer.FFprobe(t)
	g := startGateway(t, closedConfig(t, "cameras:\n  - {name: porch, source: publisher, fragment: 1s}\n"))
	base := "http://" + g.Addr().String()
	start := time.Now()
	whipPublish(t, base, "porch", testToken, 3*time.Second)
	waitFor(t, "the WHIP session to end", func() bool {
		st := g.Cameras().Cameras()
		return len(st) == 1 && !st[0].Recording && st[0].Sessions == 1
	})
	frs := videoFragments(t, g.VideoStore(), "porch")
	frames := 0
	for _, f := range frs {
		frames += f.Frames
	}
	if len(frs) < 2 || frames < 60 {
		t.Fatalf("%d fragments of %d frames recorded from 75 sent", len(frs), frames)
	}
	playlist := base + "/video/porch/index.m3u8?start=" + url.QueryEscape(start.Add(-time.Second).Format(time.RFC3339)) +
		"&end=" + url.QueryEscape(time.Now().Add(time.Second).Format(time.RFC3339))
	if resp, err := http.Get(playlist); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("HLS without the token: %v %v", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-headers", "Authorization: Bearer "+testToken+"\r\n",
		"-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", playlist).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var probe struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		}
	}
	if json.Unmarshal(out, &probe) != nil || len(probe.Streams) != 1 || probe.Streams[0].Codec != "h264" ||
		probe.Streams[0].Frames != strconv.Itoa(frames) {
		t.Errorf("ffprobe: %s, want h264 with %d frames", out, frames)
	}
}

// A WebRTC port that is taken does not stop the gateway: WHIP and WHEP
// answer 503 saying why, HLS is served.
func TestWebRTCPortTaken(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t, "")
	cfg.WebRTC.UDP = taken.LocalAddr().String()
	g := startGateway(t, cfg)
	resp, err := http.Post("http://"+g.Addr().String()+"/video/cam/whip", "application/sdp", strings.NewReader("v=0\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "address already in use") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if g.WebRTCAddr() != nil {
		t.Error("WebRTC has an address")
	}
}
