package query

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/tidegate/tidegate/internal/durable"
)

// A pump's checkpoints go into a log: each appended and fsync'd, the last whole one in
// force. An append costs one fsync, where replacing a file costs two (the file's and its
// directory's, for the rename) — and a checkpoint stands between every result and its
// stream. A crash in the middle of an append leaves a torn last checkpoint, which the next
// start drops (nothing was written after it: its rows are put only once it is synced). The
// log is written anew, atomically, holding only the last checkpoint, when it outgrows it.
//
// The form: "TGQL", a version byte, then checkpoints, each its length (uvarint) and its
// encoding (which ends with its own CRC-32C).

const (
	logMagic   = "TGQL"
	logVersion = 1
	// logCompact is how large the log may grow, and how many times the last checkpoint,
	// before it is written anew.
	logCompactBytes = 4 << 20
	logCompactTimes = 16
)

// ckptLog appends a pump's checkpoints.
type ckptLog struct {
	path string
	f    *os.File
	size int64
}

func logHeader() []byte { return append([]byte(logMagic), logVersion) }

// append writes a checkpoint durably: appended and synced, or the log written anew with it
// alone when the log would outgrow it (or is not open yet).
func (l *ckptLog) append(ck *checkpoint) error {
	body := ck.encode()
	frame := binary.AppendUvarint(nil, uint64(len(body)))
	frame = append(frame, body...)
	if l.f == nil || l.size+int64(len(frame)) > max(logCompactBytes, logCompactTimes*int64(len(frame))) {
		return l.rewrite(frame)
	}
	if _, err := l.f.Write(frame); err != nil {
		l.close()
		return fmt.Errorf("query: checkpoint: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		l.close()
		return fmt.Errorf("query: checkpoint: %w", err)
	}
	l.size += int64(len(frame))
	return nil
}

// rewrite replaces the log by one holding frame alone, atomically, and opens it to append.
func (l *ckptLog) rewrite(frame []byte) error {
	l.close()
	data := append(logHeader(), frame...)
	if err := durable.WriteFile(l.path, data, 0o600); err != nil {
		return fmt.Errorf("query: checkpoint: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("query: checkpoint: %w", err)
	}
	l.f, l.size = f, int64(len(data))
	return nil
}

func (l *ckptLog) close() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// loadCheckpoint reads a pump's log: its last whole checkpoint (nil when the file does not
// exist). A torn last checkpoint is dropped; a damaged one with more after it is an error
// (ErrCheckpoint), as is a log with no whole checkpoint.
func loadCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("query: checkpoint: %w", err)
	}
	ck, err := lastCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

func lastCheckpoint(b []byte) (*checkpoint, error) {
	h := logHeader()
	if len(b) < len(h) || string(b[:len(logMagic)]) != logMagic {
		return nil, fmt.Errorf("%w: not a query checkpoint log", ErrCheckpoint)
	}
	if b[len(logMagic)] != logVersion {
		return nil, fmt.Errorf("%w: log version %d, this build reads version %d", ErrCheckpoint, b[len(logMagic)], logVersion)
	}
	rest := b[len(h):]
	var last *checkpoint
	for len(rest) > 0 {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			break // torn: its length, or its bytes, never all made it
		}
		ck, err := decodeCheckpoint(rest[k : k+int(n)])
		if err != nil {
			if k+int(n) < len(rest) {
				return nil, fmt.Errorf("%w: a damaged checkpoint with others after it", ErrCheckpoint)
			}
			break // torn at the very end
		}
		last = ck
		rest = rest[k+int(n):]
	}
	if last == nil {
		return nil, fmt.Errorf("%w: no whole checkpoint in the log", ErrCheckpoint)
	}
	return last, nil
}
