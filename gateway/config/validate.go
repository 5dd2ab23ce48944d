package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tidegate/tidegate/devices/mqtt"
	"github.com/tidegate/tidegate/devices/sensors"

	"github.com/tidegate/tidegate/shards"
)

var (
	// streamNameRE is the storage engine's rule for stream names (which also refuses "."
	// and "..", as they are directory names).
	streamNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	// accessKeyIDRE keeps ids to what fits in a SigV4 Credential scope, where "/", ","
	// and spaces are delimiters.
	accessKeyIDRE = regexp.MustCompile(`^[A-Za-z0-9_.+=@-]{1,128}$`)
	regionRE      = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
)

// Validate checks the whole configuration and returns every problem, joined, each an
// *Error located where its value came from when Load or Parse built c. It checks that
// TLS files exist; it does not read secrets (Load and Parse do).
func (c *Config) Validate() error {
	return errors.Join(sortErrors(c.validate())...)
}

// problems collects validation errors.
type problems struct {
	o    *origins
	errs []error
}

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, p.o.errorf(path, format, args...))
}

func (c *Config) validate() []error {
	p := &problems{o: c.origins}
	if strings.TrimSpace(c.DataDir) == "" {
		p.add("data_dir", "must not be empty")
	}
	switch c.Log.Level {
	case LevelDebug, LevelInfo, LevelWarn, LevelError:
	default:
		p.add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case FormatAuto, FormatText, FormatJSON:
	default:
		p.add("log.format", "%q is not one of auto, text, json", c.Log.Format)
	}
	c.validateListen(p)
	c.validateAuth(p)
	switch {
	case c.Kinesis.Region == "":
		p.add("kinesis.region", "must not be empty")
	case !regionRE.MatchString(c.Kinesis.Region):
		p.add("kinesis.region", "%q may only hold a-z, 0-9 and -, as in us-east-1", c.Kinesis.Region)
	}
	if !accountIDRE.MatchString(c.Kinesis.AccountID) {
		p.add("kinesis.account_id", "%q must be 12 digits (quote it in YAML, as in \"000000000000\", to keep leading zeros)", c.Kinesis.AccountID)
	}
	c.validateStorage(p)
	c.validateStreams(p)
	c.validateSensors(p)
	c.validateQueries(p)
	c.validateDeliveries(p)
	c.validateCameras(p)
	c.validateRTSP(p)
	c.validateWebRTC(p)
	c.validateFirehose(p)
	if err := c.MQTT.Validate(); err != nil {
		p.add("mqtt", "%s", strings.TrimPrefix(err.Error(), mqtt.ErrConfig.Error()+": "))
	}
	return p.errs
}

func (c *Config) validateSensors(p *problems) {
	names := map[string]int{}
	for i, sc := range c.Sensors {
		path := fmt.Sprintf("sensors[%d]", i)
		if err := sc.Validate(); err != nil {
			for _, e := range Problems(err) {
				p.add(path, "%s", strings.TrimPrefix(e.Error(), sensors.ErrConfig.Error()+": "))
			}
		}
		if j, dup := names[sc.Name]; dup && sc.Name != "" {
			p.add(path+".name", "duplicate sensor %q: sensors[%d] already has that name", sc.Name, j)
		}
		names[sc.Name] = i
	}
}

func (c *Config) validateListen(p *problems) {
	addr := c.Listen.HTTP
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add("listen.http", "%q is not host:port, as in 127.0.0.1:8080", addr)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		p.add("listen.http", "port %q in %q is not a number 0-65535", port, addr)
	} else if !isLoopback(host) && !c.Auth.HasCredentials() {
		where := addr
		if host == "" {
			where += " (every interface)"
		}
		p.add("listen.http", "%s is not loopback: a listener other clients can reach must authenticate them: configure auth.access_keys or auth.tokens", where)
	}
	if t := c.Listen.TLS; t != nil {
		checkFile(p, "listen.tls.cert_file", t.CertFile, "TLS needs both cert_file and key_file")
		checkFile(p, "listen.tls.key_file", t.KeyFile, "TLS needs both cert_file and key_file")
	}
}

// isLoopback reports whether host is reachable only from this machine. A host name
// other than localhost might resolve to anything, so it is not.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkFile reports a file setting that is empty or does not name a readable file.
func checkFile(p *problems, path, name, whyRequired string) {
	if name == "" {
		p.add(path, "missing: %s", whyRequired)
		return
	}
	fi, err := os.Stat(name)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		p.add(path, "%s: %v", name, pe.Err)
	case err != nil:
		p.add(path, "%v", err)
	case fi.IsDir():
		p.add(path, "%s is a directory", name)
	}
}

func (c *Config) validateStreams(p *problems) {
	first := make(map[string]int)
	for i, s := range c.Streams {
		path := fmt.Sprintf("streams[%d]", i)
		switch j, dup := first[s.Name]; {
		case s.Name == "":
			p.add(path+".name", "must not be empty")
		case !streamNameRE.MatchString(s.Name) || s.Name == "." || s.Name == "..":
			p.add(path+".name", "%q must be 1-128 characters of a-z, A-Z, 0-9 and _ . -, and not . or ..", s.Name)
		case dup:
			p.add(path+".name", "duplicate stream %q: streams[%d] already has that name", s.Name, j)
		default:
			first[s.Name] = i
		}
		if s.Shards < 1 || s.Shards > shards.MaxShards {
			p.add(path+".shards", "%d is outside 1..%d", s.Shards, shards.MaxShards)
		}
		checkRange(p, path+".retention", s.Retention, Duration(shards.MinRetention), Duration(shards.MaxRetention))
		if s.MaxBytes != 0 && s.MaxBytes < shards.MinMaxBytes {
			p.add(path+".max_bytes", "%s is below the minimum %s (0 or no max_bytes means no limit)", s.MaxBytes, ByteSize(shards.MinMaxBytes))
		}
		if s.OnFull != shards.OverwriteOldest && s.OnFull != shards.RejectNew {
			p.add(path+".on_full", "%q is not one of %s, %s", s.OnFull, shards.OverwriteOldest, shards.RejectNew)
		}
		checkRange(p, path+".max_record_size", s.MaxRecordSize, KiB, shards.MaxMaxRecordSize)
		if s.Throttle != ThrottleNone && s.Throttle != ThrottleAWS {
			p.add(path+".throttle", "%q is not one of %s, %s", s.Throttle, ThrottleNone, ThrottleAWS)
		}
		c.validateKeep(p, path+".keep_until_delivered", s)
	}
}

// validateKeep checks keep_until_delivered: all, none, or names of
// deliveries (none given: all). A name the file gives a delivery must be one that reads the
// stream; other names may be deliveries created through an API.
func (c *Config) validateKeep(p *problems, path string, s StreamSpec) {
	k := s.KeepUntilDelivered
	for i, name := range k {
		switch {
		case (name == KeepAll || name == KeepNone) && len(k) > 1:
			p.add(path, "%s stands alone, not in a list with %d other entries", name, len(k)-1)
			return
		case name == KeepAll || name == KeepNone:
		case len(name) > 64 || !streamNameRE.MatchString(name):
			p.add(fmt.Sprintf("%s[%d]", path, i), "%q is not a delivery name (1-64 characters of a-z, A-Z, 0-9 and _ . -)", name)
		default:
			for _, d := range c.Deliveries {
				if d.Name == name && !slices.Contains(d.From, s.Name) {
					p.add(fmt.Sprintf("%s[%d]", path, i), "delivery %q does not read stream %q (its from: %s)", name, s.Name, strings.Join(d.From, ", "))
				}
			}
		}
	}
}

// checkRange reports v outside [lo, hi].
func checkRange[T interface {
	~int64
	fmt.Stringer
}](p *problems, path string, v, lo, hi T) {
	switch {
	case v < lo:
		p.add(path, "%s is below the minimum %s", v, lo)
	case v > hi:
		p.add(path, "%s is above the maximum %s", v, hi)
	}
}

// Problems lists the problems in an error from Load, Parse or Validate (one
// per line of a `config check`), or err alone.
func Problems(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
