package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tidegate/tidegate/video/webrtc"
)

// WebRTC is the `webrtc:` section: where the WHIP and WHEP sessions of the
// HTTP listener (/video/<camera>/whip, /whep) take their media. Their
// signalling is the HTTP listener's, with its credentials; the media are
// SRTP keyed by it.
type WebRTC struct {
	// UDP is host:port, one port every session shares (127.0.0.1:8189),
	// or host:min-max, a port of the range per session; "-" turns WHIP
	// and WHEP off.
	UDP string `yaml:"udp"`
	// AdditionalHosts are IP addresses announced as host candidates
	// beside the gathered ones: the public address of a gateway behind a
	// 1:1 NAT or a port forward.
	AdditionalHosts []string `yaml:"additional_hosts"`
}

// Enabled says whether WHIP and WHEP are served.
func (w WebRTC) Enabled() bool { return w.UDP != "-" }

// ICE is the section as the WebRTC server takes it.
func (w WebRTC) ICE() webrtc.ICE {
	return webrtc.ICE{UDP: w.UDP, AdditionalHosts: w.AdditionalHosts}
}

func (c *Config) validateWebRTC(p *problems) {
	w := c.WebRTC
	if !w.Enabled() {
		return
	}
	err := webrtc.ICE{UDP: w.UDP}.Validate()
	if err != nil {
		p.add("webrtc.udp", "%s", strings.TrimPrefix(err.Error(), webrtc.ErrConfig.Error()+": "))
	}
	for i, h := range w.AdditionalHosts {
		if err := (webrtc.ICE{UDP: webrtc.DefaultUDP, AdditionalHosts: []string{h}}).Validate(); errors.Is(err, webrtc.ErrConfig) {
			p.add(fmt.Sprintf("webrtc.additional_hosts[%d]", i), "%q is not an IP address", h)
		}
	}
}

// webrtcChanges: the section is bound into a socket at start, so a change
// takes a restart.
func webrtcChanges(before, after WebRTC) (restart []string) {
	if before.UDP != after.UDP {
		restart = append(restart, fmt.Sprintf("webrtc.udp: %s → %s", before.UDP, after.UDP))
	}
	if !slices.Equal(before.AdditionalHosts, after.AdditionalHosts) {
		restart = append(restart, "webrtc.additional_hosts changed")
	}
	return restart
}
