package frames

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// decoder runs ffmpeg over a batch of fragments that share an init
// segment and returns the JPEG of each frame asked for.
type decoder struct {
	path      string
	keyframes bool
	width     int
	height    int
	quality   int
}

// lookFFmpeg finds ffmpeg: path when set, else "ffmpeg" on the PATH.
func lookFFmpeg(path string) (string, error) {
	name := path
	if name == "" {
		name = "ffmpeg"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: decoding H.264 and H.265 needs ffmpeg, which is not installed (%v); MJPEG cameras need none", ErrNoDecoder, err)
	}
	return p, nil
}

// showinfo is the line ffmpeg's showinfo filter logs for each picture it
// passes on: its number and presentation time.
var showinfo = regexp.MustCompile(`\] n:\s*(\d+) pts:\s*(-?\d+) `)

// maxSelect bounds the frames one ffmpeg run selects by their times, so
// that the filter expression stays short.
const maxSelect = 100

// decode feeds ffmpeg init and the fragments' bytes and returns a JPEG
// per wanted presentation time (all decoded frames when all is set),
// matched by the times ffmpeg reports.
func (d *decoder) decode(ctx context.Context, init []byte, data [][]byte, wanted []int64, all bool) (map[int64][]byte, error) {
	args := []string{"-hide_banner", "-nostats", "-nostdin", "-v", "info", "-copyts"}
	if d.keyframes {
		args = append(args, "-skip_frame", "nokey")
	}
	args = append(args, "-f", "mp4", "-i", "pipe:0", "-map", "0:v:0", "-an", "-sn", "-dn")
	var filters []string
	if !all {
		terms := make([]string, len(wanted))
		for i, p := range wanted {
			terms[i] = "eq(pts\\," + strconv.FormatInt(p, 10) + ")"
		}
		filters = append(filters, "select='"+strings.Join(terms, "+")+"'")
	}
	if d.width > 0 || d.height > 0 {
		w, h := d.width, d.height
		if w == 0 {
			w = -2
		}
		if h == 0 {
			h = -2
		}
		filters = append(filters, fmt.Sprintf("scale=%d:%d", w, h))
	}
	filters = append(filters, "showinfo")
	args = append(args, "-vf", strings.Join(filters, ","), "-fps_mode", "passthrough",
		"-f", "image2pipe", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-q:v", strconv.Itoa(qscale(d.quality)), "pipe:1")
	cmd := exec.CommandContext(ctx, d.path, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDecoder, err)
	}
	var wg sync.WaitGroup
	var times []int64
	var log bytes.Buffer
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer stdin.Close()
		if _, err := stdin.Write(init); err != nil {
			return // ffmpeg went away: its exit says why
		}
		for _, b := range data {
			if _, err := stdin.Write(b); err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := showinfo.FindStringSubmatch(line); m != nil {
				p, _ := strconv.ParseInt(m[2], 10, 64)
				times = append(times, p)
			} else if !strings.Contains(line, "Parsed_showinfo") && log.Len() < 4096 {
				log.WriteString(line + "\n")
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var pics [][]byte
	r := bufio.NewReaderSize(stdout, 256<<10)
	var readErr error
	for {
		pic, err := nextJPEG(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		pics = append(pics, pic)
	}
	io.Copy(io.Discard, stdout)
	wg.Wait()
	waitErr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if waitErr != nil || readErr != nil {
		return nil, fmt.Errorf("%w: ffmpeg: %v %v: %s", ErrDecode, waitErr, readErr, strings.TrimSpace(lastLines(log.String(), 5)))
	}
	if len(times) != len(pics) {
		return nil, fmt.Errorf("%w: ffmpeg wrote %d pictures and named %d", ErrDecode, len(pics), len(times))
	}
	out := make(map[int64][]byte, len(pics))
	for i, p := range pics {
		out[times[i]] = p
	}
	return out, nil
}

// qscale maps a JPEG quality (1-100) to ffmpeg's mjpeg qscale (31-2),
// roughly as libjpeg's quality maps to its quantizer scale.
func qscale(quality int) int {
	return 2 + (100-quality)*29/99
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
