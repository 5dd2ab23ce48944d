//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"fmt"
	"io"
	"os"
)

const pageSize = 4096

// maxLastWrite bounds the last write a cut can tear.
const maxLastWrite = 4 << 20

type page = [pageSize]byte

// pages is a file's content as the page cache holds it: the durable
// content, which is the backing inode's, overlaid with the pages written
// since the last fsync. A truncate hides the backing bytes at and past
// clip; they read as zeros until an fsync makes the new size durable.
//
// Invariants: clip <= size; every byte in [clip, size) that is not zero
// lies in a dirty page; the bytes of a dirty page past size are zero.
type pages struct {
	back  *os.File // the backing inode: holds exactly the durable content
	size  int64    // what readers see
	clip  int64
	dsize int64 // the backing inode's size
	dirty map[int64]*page
	last  *lastWrite // the newest write not yet durable, torn by a cut
}

// lastWrite is the last write, kept so that a cut can put a prefix of it
// on disk as a torn write would. The kernel splits one write(2) into
// several requests (at a page it does not cache, at the request size
// limit), so a write that continues the last one joins it: a write(2) is
// whole again, and so is a run of appends.
type lastWrite struct {
	off  int64
	data []byte
	seq  uint64 // of the write in the log
}

func newPages(back *os.File, size int64) *pages {
	return &pages{back: back, size: size, clip: size, dsize: size, dirty: map[int64]*page{}}
}

// base reads page idx of the durable content, hidden bytes as zeros.
func (p *pages) base(idx int64, pg *page) error {
	*pg = page{}
	off := idx * pageSize
	n := min(int64(pageSize), p.clip-off)
	if n <= 0 {
		return nil
	}
	if _, err := p.back.ReadAt(pg[:n], off); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("powercut: read backing file: %w", err)
	}
	return nil
}

// readAt reads what the page cache holds at off.
func (p *pages) readAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, nil
	}
	b = b[:min(int64(len(b)), p.size-off)]
	var tmp page
	for done := 0; done < len(b); {
		at := off + int64(done)
		idx, in := at/pageSize, int(at%pageSize)
		pg := p.dirty[idx]
		if pg == nil {
			if err := p.base(idx, &tmp); err != nil {
				return done, err
			}
			pg = &tmp
		}
		done += copy(b[done:], pg[in:])
	}
	return len(b), nil
}

// writeAt writes b at off into the page cache.
func (p *pages) writeAt(b []byte, off int64) error {
	for done := 0; done < len(b); {
		at := off + int64(done)
		idx, in := at/pageSize, int(at%pageSize)
		pg := p.dirty[idx]
		if pg == nil {
			pg = new(page)
			if in != 0 || len(b)-done < pageSize {
				if err := p.base(idx, pg); err != nil {
					return err
				}
			}
			p.dirty[idx] = pg
		}
		done += copy(pg[in:], b[done:])
	}
	p.size = max(p.size, off+int64(len(b)))
	if l := p.last; l != nil && l.off+int64(len(l.data)) == off && len(l.data)+len(b) <= maxLastWrite {
		l.data = append(l.data, b...)
	} else {
		p.last = &lastWrite{off: off, data: append([]byte(nil), b...)}
	}
	return nil
}

// truncate sets the size the page cache shows.
func (p *pages) truncate(size int64) error {
	if size < p.size {
		for idx := range p.dirty {
			if idx*pageSize >= size {
				delete(p.dirty, idx)
			}
		}
		if in := size % pageSize; in != 0 {
			if pg := p.dirty[size/pageSize]; pg != nil {
				clear(pg[in:])
			}
		}
		p.clip = min(p.clip, size)
	}
	p.size = size
	return nil
}

// sync makes the page cache's content and size durable.
func (p *pages) sync() error {
	if p.clip < p.dsize {
		if err := p.back.Truncate(p.clip); err != nil {
			return fmt.Errorf("powercut: truncate backing file: %w", err)
		}
	}
	for idx, pg := range p.dirty {
		n := min(int64(pageSize), p.size-idx*pageSize)
		if _, err := p.back.WriteAt(pg[:n], idx*pageSize); err != nil {
			return fmt.Errorf("powercut: write backing file: %w", err)
		}
	}
	if err := p.back.Truncate(p.size); err != nil {
		return fmt.Errorf("powercut: truncate backing file: %w", err)
	}
	p.clip, p.dsize = p.size, p.size
	clear(p.dirty)
	p.last = nil
	return nil
}

// tearPoints returns the lengths of the prefixes of the last unsynced
// write that a cut may leave on disk: none of it, or up to any block
// boundary inside it. The whole write is not among them.
func (p *pages) tearPoints(block int64) []int {
	if p.last == nil {
		return nil
	}
	points := []int{0}
	end := p.last.off + int64(len(p.last.data))
	for b := (p.last.off/block + 1) * block; b < end; b += block {
		points = append(points, int(b-p.last.off))
	}
	return points
}

// tear writes the first n bytes of the last unsynced write to the backing
// file, as a power cut in the middle of that write would leave them.
func (p *pages) tear(n int) error {
	if n == 0 {
		return nil
	}
	if _, err := p.back.WriteAt(p.last.data[:n], p.last.off); err != nil {
		return fmt.Errorf("powercut: tear: %w", err)
	}
	return nil
}
