package config

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/video/cameras"
	"github.com/tidegate/tidegate/video/events"
	"github.com/tidegate/tidegate/video/fragments"
	"github.com/tidegate/tidegate/video/rtsp"
)

// CameraSpec is one entry of `cameras:`: a camera recorded into the video
// store, from its source — a URL whose scheme picks the source type
// (rtsp://, rtsps://) or `publisher` — whose own keys (transport,
// username, password …) decode strictly into the type's configuration.
type CameraSpec struct {
	Name   string `yaml:"name"`
	Source string `yaml:"source"`
	// Fragment is how long a fragment lasts at least: it ends at the first
	// keyframe after (2 s).
	Fragment Duration `yaml:"fragment"`
	// Retention deletes recordings older than this (none: kept until
	// max_bytes or the disk says otherwise).
	Retention Duration `yaml:"retention"`
	// MaxBytes caps the camera's recording; OnFull (delete_oldest, the
	// default, or refuse_new) says what then.
	MaxBytes ByteSize `yaml:"max_bytes"`
	OnFull   string   `yaml:"on_full"`
	// EventsStream receives a record per fragment (video-events; "-" for
	// none).
	EventsStream string `yaml:"events_stream"`
	// Options is the source type's own keys.
	Options cameras.SourceConfig `yaml:"-"`
}

// UnmarshalYAML decodes the keys every camera has into c and the others
// strictly into the configuration of the source type that `source:`
// picks, so that a key the type does not take is reported at its own
// position with the keys it takes.
func (c *CameraSpec) UnmarshalYAML(node ast.Node) error {
	type common CameraSpec // without this method, so decoding does not recurse
	_, cfg, err := cameras.SourceSection((*common)(c)).Decode(node)
	if err != nil {
		return err
	}
	c.Options = cfg.(cameras.SourceConfig)
	return nil
}

// Spec is the camera as video/cameras runs it.
func (c CameraSpec) Spec() cameras.Spec {
	s := cameras.Spec{Name: c.Name, Source: c.Source, Config: c.Options, EventsStream: c.EventsStream,
		Store: fragments.CameraConfig{FragmentTarget: time.Duration(c.Fragment), Retention: time.Duration(c.Retention),
			MaxBytes: int64(c.MaxBytes), OnFull: fragments.OnFull(c.OnFull)}}
	switch s.EventsStream {
	case "":
		s.EventsStream = events.DefaultStream
	case "-":
		s.EventsStream = ""
	}
	return s
}

// RTSP is the `rtsp:` section: the gateway's RTSP listener, which
// publishers push to (rtsp://host:port/<camera>).
type RTSP struct {
	// Listen is the TCP address (127.0.0.1:8554); "-" turns RTSP off.
	Listen string `yaml:"listen"`
	// RTPAddress, when set, takes RTP over UDP on its port (even) and
	// RTCP on the next; without it publishers use TCP.
	RTPAddress string `yaml:"rtp_address"`
	// Username and the password (given, from password_file or from
	// password_env) are what publishers give, for the cameras without
	// credentials of their own.
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// PublishNewPaths lets a publisher to a path that is no camera create
	// a camera of that name (true, as MediaMTX does).
	PublishNewPaths bool `yaml:"publish_new_paths"`
}

// DefaultRTSP is the RTSP listener's default address.
const DefaultRTSP = rtsp.DefaultAddress

// HasCredentials says whether publishers must give the listener's
// credentials.
func (r RTSP) HasCredentials() bool { return r.Username != "" }

// Credentials are the listener's publishers, for the RTSP server.
func (r RTSP) Credentials() []cameras.Credential {
	if !r.HasCredentials() {
		return nil
	}
	return []cameras.Credential{{Username: r.Username, Password: r.Password.Value()}}
}

func (c *Config) resolveRTSPSecret(env map[string]string) *Error {
	r := &c.RTSP
	if !r.Password.IsSet() && r.PasswordFile == "" && r.PasswordEnv == "" {
		return nil
	}
	return c.resolvePassword("rtsp", &r.Password, r.PasswordFile, r.PasswordEnv, env)
}

// resolvePassword reads the password of the entry at path from its file
// or variable into *s, as resolveSecret does for secret keys.
func (c *Config) resolvePassword(path string, s *Secret, file, envName string, env map[string]string) *Error {
	n := 0
	for _, set := range []bool{s.IsSet(), file != "", envName != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return c.origins.errorf(path, "set only one of password, password_file and password_env")
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return c.origins.errorf(path+".password_file", "cannot read the password: %v", err)
		}
		*s = NewSecret(strings.TrimRight(string(data), "\r\n"))
		if s.Value() == "" {
			return c.origins.errorf(path+".password_file", "%s is empty", file)
		}
	case envName != "":
		v, ok := env[envName]
		if !ok {
			return c.origins.errorf(path+".password_env", "environment variable %s is not set", envName)
		}
		*s = NewSecret(v)
	case s.Value() == "":
		return c.origins.errorf(path+".password", "is empty")
	}
	return nil
}

// cameraKey is the key a source type's error starts with, to point at it.
var cameraKey = regexp.MustCompile(`^([a-z_]+): `)

func (c *Config) validateCameras(p *problems) {
	names := map[string]int{}
	for i, cam := range c.Cameras {
		path := fmt.Sprintf("cameras[%d]", i)
		if j, dup := names[cam.Name]; dup {
			p.add(path+".name", "duplicate camera %q: cameras[%d] already has that name", cam.Name, j)
		}
		names[cam.Name] = i
		if cam.Fragment != 0 {
			checkRange(p, path+".fragment", cam.Fragment, Duration(100*time.Millisecond), Duration(time.Minute))
		}
		if cam.Retention != 0 {
			checkRange(p, path+".retention", cam.Retention, Duration(time.Minute), Duration(100*365*day))
		}
		if cam.MaxBytes != 0 && cam.MaxBytes < MiB {
			p.add(path+".max_bytes", "%s is below the minimum 1MiB (0 or no max_bytes means no limit)", cam.MaxBytes)
		}
		switch fragments.OnFull(cam.OnFull) {
		case "", fragments.DeleteOldest, fragments.RefuseNew:
		default:
			p.add(path+".on_full", "%q is not one of %s, %s", cam.OnFull, fragments.DeleteOldest, fragments.RefuseNew)
		}
		if s := cam.EventsStream; s != "" && s != "-" && (!streamNameRE.MatchString(s) || s == "." || s == "..") {
			p.add(path+".events_stream", "%q must be a stream name (1-128 characters of a-z, A-Z, 0-9 and _ . -) or - for none", s)
		}
		if cam.Options == nil {
			continue // a Config built in Go without its source decoded: Spec().Validate says
		}
		if err := cam.Spec().Validate(); err != nil {
			for _, e := range Problems(err) {
				msg := strings.TrimPrefix(e.Error(), cameras.ErrConfig.Error()+": ")
				// "transport: …" is about the key transport: point at it.
				if m := cameraKey.FindStringSubmatch(msg); m != nil {
					p.add(path+"."+m[1], "%s", msg[len(m[0]):])
					continue
				}
				p.add(path, "%s", msg)
			}
		}
	}
}

func (c *Config) validateRTSP(p *problems) {
	r := c.RTSP
	if r.Listen != "-" {
		host, port, err := net.SplitHostPort(r.Listen)
		switch {
		case err != nil:
			p.add("rtsp.listen", "%q is not host:port, as in %s, or - for no RTSP", r.Listen, DefaultRTSP)
		case !validPort(port):
			p.add("rtsp.listen", "port %q in %q is not a number 0-65535", port, r.Listen)
		case !isLoopback(host) && !r.HasCredentials():
			where := r.Listen
			if host == "" {
				where += " (every interface)"
			}
			p.add("rtsp.listen", "%s is not loopback: a listener other clients can reach must authenticate them: configure rtsp.username and rtsp.password", where)
		}
	}
	if r.RTPAddress != "" {
		_, port, err := net.SplitHostPort(r.RTPAddress)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil || n <= 0 || n >= 65535 || n%2 != 0 {
			p.add("rtsp.rtp_address", "%q is not host:port with an even port (RTCP takes the next), as in 127.0.0.1:8000", r.RTPAddress)
		}
	}
	if r.Username != "" && !r.Password.IsSet() && r.PasswordFile == "" && r.PasswordEnv == "" {
		p.add("rtsp.username", "needs a password: set one of password, password_file or password_env")
	}
	if r.Username == "" && (r.Password.IsSet() || r.PasswordFile != "" || r.PasswordEnv != "") {
		p.add("rtsp", "a password needs a username: set rtsp.username")
	}
}

func validPort(port string) bool {
	_, err := strconv.ParseUint(port, 10, 16)
	return err == nil
}

// rtspChanges splits the changes of the rtsp section: the listener's
// addresses need a restart; credentials and publish_new_paths apply at
// once.
func rtspChanges(before, after RTSP) (reloadable, restart []string) {
	diff := func(list *[]string, name string, a, b any) {
		if a != b {
			*list = append(*list, fmt.Sprintf("%s: %v → %v", name, a, b))
		}
	}
	diff(&restart, "rtsp.listen", before.Listen, after.Listen)
	diff(&restart, "rtsp.rtp_address", before.RTPAddress, after.RTPAddress)
	if before.Username != after.Username || before.Password.Value() != after.Password.Value() {
		reloadable = append(reloadable, "rtsp: credentials changed")
	}
	diff(&reloadable, "rtsp.publish_new_paths", before.PublishNewPaths, after.PublishNewPaths)
	return reloadable, restart
}
