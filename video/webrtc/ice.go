package webrtc

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// DefaultUDP is where WebRTC media goes by default: one UDP port on
// loopback, as the other listeners bind loopback until told otherwise
// (MediaMTX's webrtcLocalUDPAddress is :8189).
const DefaultUDP = "127.0.0.1:8189"

// ICE says where the WebRTC sessions take their media: host candidates
// only (no STUN, no TURN: the gateway is the server that browsers and
// publishers reach, as MediaMTX's WebRTC server is).
type ICE struct {
	// UDP is host:port, where every session shares the one port (a
	// firewall opens one port), or host:min-max, where each session gets
	// its own port of the range. A host of 0.0.0.0 or [::] (or empty)
	// gathers every interface's addresses, loopback included; a given
	// host is the only address announced.
	UDP string
	// AdditionalHosts are IP addresses announced as host candidates
	// beside the gathered ones, with the same port: the public address of
	// a gateway behind a 1:1 NAT or a port forward (MediaMTX's
	// webrtcAdditionalHosts, IP addresses only).
	AdditionalHosts []string
}

// udpSpec is ICE.UDP parsed.
type udpSpec struct {
	host     string
	min, max uint16 // equal: one shared port
}

// Validate checks the addresses without binding them.
func (c ICE) Validate() error {
	if _, err := parseUDP(c.UDP); err != nil {
		return err
	}
	for _, h := range c.AdditionalHosts {
		if net.ParseIP(h) == nil {
			return fmt.Errorf("%w: additional host %q is not an IP address", ErrConfig, h)
		}
	}
	return nil
}

func parseUDP(s string) (udpSpec, error) {
	if s == "" {
		s = DefaultUDP
	}
	host, ports, err := net.SplitHostPort(s)
	if err != nil {
		return udpSpec{}, fmt.Errorf("%w: udp %q is not host:port or host:min-max", ErrConfig, s)
	}
	if host != "" && net.ParseIP(host) == nil {
		return udpSpec{}, fmt.Errorf("%w: udp %q: the host must be an IP address", ErrConfig, s)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	min, err1 := strconv.ParseUint(lo, 10, 16)
	max, err2 := strconv.ParseUint(hi, 10, 16)
	switch {
	case err1 != nil || err2 != nil:
		return udpSpec{}, fmt.Errorf("%w: udp %q: the port is not a number 0-65535 or a range min-max", ErrConfig, s)
	case isRange && (min == 0 || min > max):
		return udpSpec{}, fmt.Errorf("%w: udp %q: the range must run from a port above 0 up", ErrConfig, s)
	}
	return udpSpec{host: host, min: uint16(min), max: uint16(max)}, nil
}

func (u udpSpec) unspecified() bool {
	ip := net.ParseIP(u.host)
	return ip == nil || ip.IsUnspecified()
}

// settings makes the setting engine of the sessions, and binds the
// shared port (its closer, nil for a range).
func (c ICE) settings() (webrtc.SettingEngine, io.Closer, net.Addr, error) {
	var se webrtc.SettingEngine
	u, err := parseUDP(c.UDP)
	if err != nil {
		return se, nil, nil, err
	}
	// No multicast DNS: a browser's .local candidates are not resolved (a
	// browser reaches the gateway's candidates, which makes its own known
	// as peer-reflexive), and nothing is sent to the multicast group.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	if len(c.AdditionalHosts) > 0 {
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: c.AdditionalHosts,
			AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteAppend})
		if err != nil {
			return se, nil, nil, fmt.Errorf("%w: additional hosts: %v", ErrConfig, err)
		}
	}
	if !u.unspecified() {
		want := net.ParseIP(u.host)
		se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(want) })
	}
	if u.min != u.max {
		if err := se.SetEphemeralUDPPortRange(u.min, u.max); err != nil {
			return se, nil, nil, fmt.Errorf("%w: udp %q: %v", ErrConfig, c.UDP, err)
		}
		return se, nil, nil, nil
	}
	if u.unspecified() {
		mux, err := ice.NewMultiUDPMuxFromPort(int(u.min), ice.UDPMuxFromPortWithLoopback(),
			ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4, ice.NetworkTypeUDP6))
		if err != nil {
			return se, nil, nil, fmt.Errorf("webrtc: udp %s: %w", c.UDP, err)
		}
		se.SetICEUDPMux(mux)
		var addr net.Addr
		if as := mux.GetListenAddresses(); len(as) > 0 {
			addr = as[0]
		}
		return se, mux, addr, nil
	}
	conn, err := net.ListenPacket("udp", net.JoinHostPort(u.host, strconv.Itoa(int(u.min))))
	if err != nil {
		return se, nil, nil, fmt.Errorf("webrtc: udp: %w", err)
	}
	mux := webrtc.NewICEUDPMux(nil, conn)
	se.SetICEUDPMux(mux)
	return se, mux, conn.LocalAddr(), nil
}
