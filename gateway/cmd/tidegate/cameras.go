package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// camerasCommands are the verbs of `tidegate cameras`, on the REST API with the
// credentials of restCall.
var camerasCommands = []subcommand{
	{"ls", "list the cameras with their state, codecs, recording span and storage", camerasLs},
	{"clip", "save an MP4 clip of a camera's recording (CAM --start T --end T -o FILE)", camerasClip},
	{"frames", "save JPEG frames of a camera, from a range or live (CAM --every 1s -o DIR)", camerasFrames},
}

func runCameras(args []string) error { return runGroup("cameras", camerasCommands, args) }

// cameraRow is what `cameras ls` shows of GET /api/v1/cameras.
type cameraRow struct {
	Name      string     `json:"name"`
	Running   bool       `json:"running"`
	Type      string     `json:"type"`
	Recording bool       `json:"recording"`
	Codecs    string     `json:"codecs"`
	Oldest    *time.Time `json:"oldest"`
	Newest    *time.Time `json:"newest"`
	Bytes     int64      `json:"storage_bytes"`
	OpenGap   *struct {
		Start  time.Time `json:"start"`
		Reason string    `json:"reason"`
	} `json:"open_gap"`
}

func camerasLs(args []string) error {
	var c clientFlags
	fs := newFlagSet("cameras ls", "[--endpoint URL] [--json]")
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var body struct {
		Cameras []json.RawMessage `json:"cameras"`
	}
	if err := c.restCall("GET", strings.TrimSuffix(c.endpoint, "/")+"/api/v1/cameras", nil, &body); err != nil {
		return err
	}
	if c.json {
		return printJSON(body.Cameras)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMERA\tSOURCE\tSTATE\tCODECS\tFROM\tTO\tSTORED\tGAP")
	for _, raw := range body.Cameras {
		var r cameraRow
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		state := "recording"
		switch {
		case !r.Running:
			state = "off" // not in the configuration: its recording is kept
		case !r.Recording:
			state = "waiting"
		}
		gap := "-"
		if r.OpenGap != nil {
			gap = r.OpenGap.Reason + " since " + r.OpenGap.Start.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, dash(r.Type), state, dash(r.Codecs), when(r.Oldest), when(r.Newest), byteSize(r.Bytes), gap)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

// parseWhen reads a time of the command line: RFC 3339, "now", or a
// negative duration from now ("-10m").
func parseWhen(flagName, s string, now time.Time) (time.Time, error) {
	switch {
	case s == "":
		return time.Time{}, nil
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s)
		if err == nil {
			return now.Add(d), nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, usageErrorf("--%s %q: give an RFC 3339 time (2026-12-07T18:20:00Z), now, or a time ago (-10m)", flagName, s)
	}
	return t, nil
}

// stream opens a long GET: its headers within the request timeout, its body
// for as long as it lasts (until ctx ends).
func (c *clientFlags) stream(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(req, nil); err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: c.timeout, Proxy: http.ProxyFromEnvironment}}
	resp, err := client.Do(req)
	if u := unreachable(err); u != nil {
		return nil, u
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s", e.Error)
		}
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return resp, nil
}

func camerasClip(args []string) error {
	var c clientFlags
	var start, end, out string
	fs := newFlagSet("cameras clip", "CAM --start TIME --end TIME -o FILE")
	c.register(fs)
	fs.StringVar(&start, "start", "", "the clip's start: RFC 3339, now, or a time ago (-10m)")
	fs.StringVar(&end, "end", "now", "the clip's end")
	fs.StringVar(&out, "o", "", "the MP4 file to write")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1); err != nil {
		return err
	}
	now := time.Now()
	from, err := parseWhen("start", start, now)
	if err != nil {
		return err
	}
	to, err := parseWhen("end", end, now)
	if err != nil {
		return err
	}
	if from.IsZero() || out == "" {
		return usageErrorf("cameras clip needs --start and -o")
	}
	q := url.Values{"start": {from.Format(time.RFC3339Nano)}, "end": {to.Format(time.RFC3339Nano)}}
	u := strings.TrimSuffix(c.endpoint, "/") + "/api/v1/cameras/" + url.PathEscape(pos[0]) + "/clip.mp4?" + q.Encode()
	resp, err := c.stream(context.Background(), u)
	if err != nil {
		return fmt.Errorf("clip of %s: %w", pos[0], err)
	}
	defer resp.Body.Close()
	p := newProgress()
	n, err := writeFileAtomic(out, &counting{r: resp.Body, onRead: func(n int64) {
		p.show(false, "%s: %s in %v", out, byteSize(n), p.elapsed())
	}}, true)
	if err != nil {
		return fmt.Errorf("clip of %s: %w", pos[0], err)
	}
	p.show(true, "%s: %s in %v", out, byteSize(n), p.elapsed())
	return c.done(map[string]any{"file": out, "bytes": n}, "wrote %s (%s)\n", out, byteSize(n))
}

// counting reports the bytes read so far.
type counting struct {
	r      io.Reader
	n      int64
	onRead func(n int64)
}

func (c *counting) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	c.onRead(c.n)
	return n, err
}

// writeFileAtomic writes what r holds to path through a temporary file
// that takes its name only once complete (and, with sync, on disk): a
// transfer cut short leaves no file that looks whole.
func writeFileAtomic(path string, r io.Reader, sync bool) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(tmp, r)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return n, err
	}
	return n, nil
}

func camerasFrames(args []string) error {
	var c clientFlags
	var start, end, out string
	var every time.Duration
	var keyframes bool
	var width, height, quality int
	fs := newFlagSet("cameras frames", "CAM [--every 1s] [--start TIME] [--end TIME] -o DIR")
	c.register(fs)
	fs.StringVar(&start, "start", "now", "the first frame's time: RFC 3339, now, or a time ago (-10m)")
	fs.StringVar(&end, "end", "", "the end (left out: live, until interrupted)")
	fs.DurationVar(&every, "every", 0, "one frame per interval (0: every frame)")
	fs.BoolVar(&keyframes, "keyframes", false, "keyframes only")
	fs.IntVar(&width, "width", 0, "scale to this width (0: as recorded)")
	fs.IntVar(&height, "height", 0, "scale to this height (0: as recorded)")
	fs.IntVar(&quality, "quality", 0, "JPEG quality, 1-100 (0: the gateway's default)")
	fs.StringVar(&out, "o", "", "the directory to write the JPEG files into")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 1, 1); err != nil {
		return err
	}
	now := time.Now()
	from, err := parseWhen("start", start, now)
	if err != nil {
		return err
	}
	to, err := parseWhen("end", end, now)
	if err != nil {
		return err
	}
	if out == "" {
		return usageErrorf("cameras frames needs -o DIR")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	q := url.Values{"format": {"multipart"}, "start": {from.Format(time.RFC3339Nano)}, "every": {every.String()}}
	if !to.IsZero() {
		q.Set("end", to.Format(time.RFC3339Nano))
	}
	if keyframes {
		q.Set("keyframes", "true")
	}
	for k, v := range map[string]int{"width": width, "height": height, "quality": quality} {
		if v != 0 {
			q.Set(k, fmt.Sprint(v))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	u := strings.TrimSuffix(c.endpoint, "/") + "/api/v1/cameras/" + url.PathEscape(pos[0]) + "/frames?" + q.Encode()
	resp, err := c.stream(ctx, u)
	if err != nil {
		return fmt.Errorf("frames of %s: %w", pos[0], err)
	}
	defer resp.Body.Close()
	n, err := saveFrames(ctx, resp, out, newProgress())
	if ctx.Err() != nil {
		err = nil // interrupted: what was written stays
	}
	if err != nil {
		return fmt.Errorf("frames of %s: %w (%d written)", pos[0], err, n)
	}
	return c.done(map[string]any{"dir": out, "frames": n}, "wrote %d frames into %s\n", n, out)
}

// saveFrames writes each image/jpeg part of a multipart frames stream into
// dir, named for the camera, the frame's server time, its fragment and
// index, and returns how many it wrote; the stream's last part says how it
// ended.
func saveFrames(ctx context.Context, resp *http.Response, dir string, p *progress) (int, error) {
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return 0, err
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return n, fmt.Errorf("the stream ended without its end part")
		}
		if err != nil {
			return n, err
		}
		if part.Header.Get("Content-Type") == "application/json" {
			var end struct {
				Error string `json:"error"`
			}
			json.NewDecoder(part).Decode(&end)
			p.show(true, "%d frames in %v", n, p.elapsed())
			if end.Error != "" {
				return n, fmt.Errorf("%s", end.Error)
			}
			return n, nil
		}
		at, _ := time.Parse(time.RFC3339Nano, part.Header.Get("X-Server-Timestamp"))
		name := fmt.Sprintf("%s_%s_f%s_i%s.jpg", part.Header.Get("X-Camera"), at.UTC().Format("20060102T150405.000Z"),
			part.Header.Get("X-Fragment-Number"), part.Header.Get("X-Frame-Index"))
		if _, err := writeFileAtomic(filepath.Join(dir, name), part, false); err != nil {
			return n, err
		}
		n++
		p.show(false, "%d frames, the last at %s", n, at.Local().Format("15:04:05.000"))
		if ctx.Err() != nil {
			return n, nil
		}
	}
}
