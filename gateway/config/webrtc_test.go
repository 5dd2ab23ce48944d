package config

import (
	"testing"

	"github.com/tidegate/tidegate/video/webrtc"
)

func TestWebRTC(t *testing.T) {
	c, err := Parse("t.yaml", []byte("webrtc:\n  udp: 0.0.0.0:20000-20099\n  additional_hosts: [203.0.113.7, \"2001:db8::1\"]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ice := c.WebRTC.ICE(); ice.UDP != "0.0.0.0:20000-20099" || len(ice.AdditionalHosts) != 2 || !c.WebRTC.Enabled() {
		t.Errorf("%+v", ice)
	}
	if c := Default(); c.WebRTC.UDP != webrtc.DefaultUDP {
		t.Errorf("default udp %q", c.WebRTC.UDP)
	}
	if c, err := Parse("t.yaml", []byte("webrtc: {udp: \"-\", additional_hosts: [nonsense]}\n"), nil); err != nil || c.WebRTC.Enabled() {
		t.Errorf("off: %v", err)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"a host name": {"webrtc: {udp: \"localhost:8189\"}\n",
			`t.yaml:1:15: webrtc.udp: udp "localhost:8189": the host must be an IP address`},
		"a reversed range": {"webrtc: {udp: \"127.0.0.1:9000-8000\"}\n",
			`t.yaml:1:15: webrtc.udp: udp "127.0.0.1:9000-8000": the range must run from a port above 0 up`},
		"no port": {"webrtc: {udp: 127.0.0.1}\n",
			`t.yaml:1:15: webrtc.udp: udp "127.0.0.1" is not host:port or host:min-max`},
		"a hostname as additional host": {"webrtc:\n  additional_hosts:\n    - 203.0.113.7\n    - gw.example.com\n",
			`t.yaml:4:5: webrtc.additional_hosts[1]: "gw.example.com" is not an IP address`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
	before, after := Default(), Default()
	after.WebRTC = WebRTC{UDP: "127.0.0.1:9000", AdditionalHosts: []string{"203.0.113.7"}}
	if rl, rs := Changes(before, after); len(rl) != 0 || len(rs) != 2 {
		t.Errorf("changes: reloadable %q, restart %q", rl, rs)
	}
}
