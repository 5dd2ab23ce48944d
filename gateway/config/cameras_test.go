package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/rtsp"
)

func TestCameras(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`cameras:
  - name: door
    source: rtsp://192.168.1.20:554/stream1
    transport: tcp
    username: admin
    password: door-secret
    fragment: 1s
    retention: 7d
    max_bytes: 10GiB
    on_full: refuse_new
  - {name: yard, source: publisher, username: yard, password_env: YARD_PASS, events_stream: "-"}
rtsp:
  listen: 127.0.0.1:9554
  username: pub
  password_env: RTSP_PASS
  publish_new_paths: false
`), []string{"RTSP_PASS=rtsp-secret"})
	if err != nil {
		t.Fatal(err)
	}
	door := c.Cameras[0].Spec()
	pull, ok := door.Config.(*rtsp.PullConfig)
	if !ok || pull.Transport != "tcp" || pull.Password != "door-secret" || door.Source != "rtsp://192.168.1.20:554/stream1" {
		t.Errorf("door: %+v %+v", door, door.Config)
	}
	want := fragments.CameraConfig{FragmentTarget: time.Second, Retention: 7 * 24 * time.Hour, MaxBytes: 10 << 30, OnFull: fragments.RefuseNew}
	if door.Store != want || door.EventsStream != "video-events" {
		t.Errorf("door store %+v, events %q", door.Store, door.EventsStream)
	}
	yard := c.Cameras[1].Spec()
	if p, ok := yard.Config.(*cameras.PublisherConfig); !ok || p.Username != "yard" || p.PasswordEnv != "YARD_PASS" || yard.EventsStream != "" {
		t.Errorf("yard: %+v %+v", yard, yard.Config)
	}
	if c.RTSP.Listen != "127.0.0.1:9554" || c.RTSP.PublishNewPaths || len(c.RTSP.Credentials()) != 1 ||
		c.RTSP.Credentials()[0] != (cameras.Credential{Username: "pub", Password: "rtsp-secret"}) {
		t.Errorf("rtsp %+v", c.RTSP)
	}
	d := Default()
	if d.RTSP.Listen != "127.0.0.1:8554" || !d.RTSP.PublishNewPaths || len(d.Cameras) != 0 {
		t.Errorf("defaults: %+v", d.RTSP)
	}
}

// A camera's problems are errors at their line and column.
func TestCameraErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	for name, tc := range map[string]struct{ yaml, want string }{
		"misspelled key": {"cameras:\n  - name: door\n    source: rtsp://cam/x\n    transprt: tcp\n",
			`t.yaml:4:5: unknown field "transprt" in cameras[0]: camera source type rtsp takes events_stream, fragment, max_bytes, name, on_full, password, password_env, password_file, retention, timeout, transport, username`},
		"a pull key on a publisher": {"cameras:\n  - {name: yard, source: publisher, transport: tcp}\n",
			`t.yaml:2:37: unknown field "transport" in cameras[0]: camera source type publisher takes events_stream, fragment, max_bytes, name, on_full, password, password_env, password_file, retention, username`},
		"unknown source": {"cameras:\n  - name: door\n    source: http://cam/x\n",
			`t.yaml:3:13: cameras[0].source: "http://cam/x" is not one of publisher, rtsp://…, rtsps://…`},
		"no source": {"cameras:\n  - name: door\n",
			`t.yaml:2:5: cameras[0]: needs a source: one of publisher, rtsp://…, rtsps://…`},
		"bad transport": {"cameras:\n  - name: door\n    source: rtsp://cam/x\n    transport: quic\n",
			`t.yaml:4:16: cameras[0].transport: "quic" is not one of tcp, udp, auto`},
		"no host": {"cameras:\n  - name: door\n    source: rtsp:///x\n",
			`t.yaml:3:13: cameras[0].source: rtsp:///x has no host`},
		"password in an unparsable URL": {"cameras:\n  - name: door\n    source: \"rtsp://u:hunter2@[::1/x\"\n",
			`t.yaml:3:13: cameras[0].source: rtsp://u:xxxxx@[::1/x is not an RTSP URL: parse "rtsp://u:xxxxx@[::1/x": missing ']' in host`},
		"bad name": {"cameras:\n  - {name: ../door, source: publisher}\n",
			`t.yaml:2:12: cameras[0].name: "../door" must be 1-128 characters of A-Z, a-z, 0-9, _ . -, not starting with . or -`},
		"duplicate": {"cameras:\n  - {name: a, source: publisher}\n  - {name: a, source: publisher}\n",
			`t.yaml:3:12: cameras[1].name: duplicate camera "a": cameras[0] already has that name`},
		"password without user": {"cameras:\n  - {name: a, source: publisher, password: x}\n",
			`t.yaml:2:3: cameras[0].username: a password needs a username`},
		"two passwords": {"cameras:\n  - {name: a, source: rtsp://c/x, username: u, password: x, password_env: P}\n",
			`t.yaml:2:3: cameras[0]: password, password_file and password_env exclude each other`},
		"limits": {"cameras:\n  - {name: a, source: publisher, fragment: 10ms, max_bytes: 1KiB, on_full: overwrite, events_stream: \"a b\"}\n",
			"t.yaml:2:44: cameras[0].fragment: 10ms is below the minimum 100ms\n" +
				"t.yaml:2:61: cameras[0].max_bytes: 1KiB is below the minimum 1MiB (0 or no max_bytes means no limit)\n" +
				"t.yaml:2:76: cameras[0].on_full: \"overwrite\" is not one of delete_oldest, refuse_new\n" +
				"t.yaml:2:102: cameras[0].events_stream: \"a b\" must be a stream name (1-128 characters of a-z, A-Z, 0-9 and _ . -) or - for none"},
		"rtsp not loopback": {"rtsp:\n  listen: 0.0.0.0:8554\n",
			`t.yaml:2:11: rtsp.listen: 0.0.0.0:8554 is not loopback: a listener other clients can reach must authenticate them: configure rtsp.username and rtsp.password`},
		"rtsp address": {"rtsp: {listen: nowhere}\n",
			`t.yaml:1:16: rtsp.listen: "nowhere" is not host:port, as in 127.0.0.1:8554, or - for no RTSP`},
		"rtp port odd": {"rtsp: {rtp_address: \"127.0.0.1:8001\"}\n",
			`t.yaml:1:21: rtsp.rtp_address: "127.0.0.1:8001" is not host:port with an even port (RTCP takes the next), as in 127.0.0.1:8000`},
		"rtsp user without password": {"rtsp: {username: u}\n",
			`t.yaml:1:18: rtsp.username: needs a password: set one of password, password_file or password_env`},
		"rtsp password file empty": {"rtsp: {username: u, password_file: " + empty + "}\n",
			"t.yaml:1:36: rtsp.password_file: " + empty + " is empty"},
		"rtsp password env unset": {"rtsp: {username: u, password_env: NOPE_NOT_SET}\n",
			`t.yaml:1:35: rtsp.password_env: environment variable NOPE_NOT_SET is not set`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml), nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("the error shows a password")
			}
		})
	}
	// Non-loopback with credentials is fine.
	if _, err := Parse("t.yaml", []byte("rtsp: {listen: \"0.0.0.0:8554\", username: u, password: p}\n"), nil); err != nil {
		t.Error(err)
	}
}

// A reload reports cameras added, changed (with the keys, never the
// values) and removed; the RTSP listener's address waits for a restart.
func TestCameraChanges(t *testing.T) {
	parse := func(y string) *Config {
		c, err := Parse("t.yaml", []byte(y), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := parse("cameras:\n  - {name: a, source: \"rtsp://c/x\", password: one, username: u}\n  - {name: b, source: publisher}\n  - {name: c, source: publisher}\n")
	after := parse("cameras:\n  - {name: a, source: \"rtsp://c/x\", password: two, username: u, retention: 1d}\n  - {name: b, source: publisher}\n  - {name: d, source: publisher}\nrtsp: {listen: \"127.0.0.1:9554\", username: p, password: q, publish_new_paths: false}\n")
	reloadable, restart := Changes(before, after)
	for _, want := range []string{"cameras: a changed: retention, password", "cameras: d added", "cameras: c removed",
		"rtsp: credentials changed", "rtsp.publish_new_paths: true → false"} {
		if !slices.Contains(reloadable, want) {
			t.Errorf("reloadable %q lacks %q", reloadable, want)
		}
	}
	if !slices.Contains(restart, "rtsp.listen: 127.0.0.1:8554 → 127.0.0.1:9554") {
		t.Errorf("restart %q", restart)
	}
	for _, line := range append(reloadable, restart...) {
		if strings.Contains(line, "one") || strings.Contains(line, "two") || strings.Contains(line, "cameras: b") {
			t.Errorf("change %q", line)
		}
	}
}
