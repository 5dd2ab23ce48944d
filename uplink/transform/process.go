package transform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// process is one run of a command: its pipes, and whether it has exited.
type process struct {
	cmd     *exec.Cmd
	pid     int
	started time.Time
	stdin   *os.File
	stdout  *bufio.Reader
	outFile *os.File
	// exited is closed when the process has exited; waitErr says how.
	exited  chan struct{}
	waitErr error
	// busy is held while an event is exchanged, so the pipes are not
	// closed under it.
	busy      sync.Mutex
	closeOnce sync.Once
	// closed: the pipes are closed, the process is of no more use even
	// before it is seen to exit.
	closed atomic.Bool
	served atomic.Int64
}

// startProcess runs argv with its own pipes (not exec's: Wait would close
// exec's stdout pipe as soon as the process exits, losing an answer it
// wrote just before) in a process group of its own, so that a kill reaches
// whatever it started.
func startProcess(argv, env []string, log *slog.Logger) (*process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	ownProcessGroup(cmd)
	var files []*os.File
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		files = append(files, r, w)
		return r, w, err
	}
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	inR, inW, err1 := pipe()
	outR, outW, err2 := pipe()
	errR, errW, err3 := pipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		closeAll()
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, err
	}
	// The child's ends are the child's now.
	inR.Close()
	outW.Close()
	errW.Close()
	p := &process{
		cmd: cmd, pid: cmd.Process.Pid, started: time.Now(),
		stdin: inW, stdout: bufio.NewReaderSize(outR, 64<<10), outFile: outR,
		exited: make(chan struct{}),
	}
	go logStderr(errR, log.With("pid", p.pid))
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// exchange writes one event and reads one answer line. The write runs
// beside the read, so a command that starts answering before it has read
// the whole event cannot deadlock against a full pipe.
func (p *process) exchange(event []byte, maxAnswer int) ([]byte, error) {
	wrote := make(chan error, 1)
	go func() {
		_, err := p.stdin.Write(event)
		wrote <- err
	}()
	answer, rerr := readLine(p.stdout, maxAnswer)
	if rerr != nil {
		// Unblock the writer (a command that stopped reading) before
		// waiting for it.
		p.close()
	}
	if werr := <-wrote; werr != nil && rerr == nil {
		return nil, fmt.Errorf("writing the event: %w", werr)
	}
	if rerr != nil {
		return nil, rerr
	}
	return answer, nil
}

// readLine reads the next non-blank line, without its line ending.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	for {
		var line []byte
		for {
			chunk, err := r.ReadSlice('\n')
			if len(line)+len(chunk) > max+2 {
				return nil, fmt.Errorf("answer line over %d bytes", max)
			}
			line = append(line, chunk...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
				return nil, errors.New("the command closed its output (it exited or was killed)")
			}
			return nil, fmt.Errorf("reading the answer: %w", err)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return line, nil
		}
	}
}

// kill ends the process and everything it started, and closes the pipes so
// a blocked exchange returns.
func (p *process) kill() {
	killProcessGroup(p.cmd)
	p.close()
}

// close closes the parent's ends of the pipes.
func (p *process) close() {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.stdin.Close()
		p.outFile.Close()
	})
}

// stop asks the process to finish (its stdin ends), then kills it when it
// has not within grace.
func (p *process) stop(grace time.Duration) {
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(grace):
	}
	p.kill()
	<-p.exited
}

// usable says whether events may go to the process.
func (p *process) usable() bool {
	select {
	case <-p.exited:
		return false
	default:
		return !p.closed.Load()
	}
}

// logStderr logs each line the command writes on stderr, until it closes
// it (long lines in pieces of 4 KiB).
func logStderr(f *os.File, log *slog.Logger) {
	defer f.Close()
	r := bufio.NewReaderSize(f, 4<<10)
	for {
		line, err := r.ReadSlice('\n')
		if s := bytes.TrimRight(line, "\r\n"); len(s) > 0 {
			log.Info("transform command stderr", "line", string(s))
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}
