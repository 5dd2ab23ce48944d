package disk

import (
	"io/fs"
	"maps"
	"path/filepath"
	"time"
)

// UsageInterval is how long the usage per store is kept before Usage walks
// the stores' files again: a walk stats every file, which a video store
// has thousands of.
const UsageInterval = 10 * time.Second

// tracked is a store and the files and directories that are its own.
type tracked struct {
	store string
	paths []string
}

// Track names the paths (files or directories, walked whole) that make up
// store, for Usage. Tracking a store again adds paths to it.
func (g *Guard) Track(store string, paths ...string) {
	g.usageMu.Lock()
	defer g.usageMu.Unlock()
	for i := range g.stores {
		if g.stores[i].store == store {
			g.stores[i].paths = append(g.stores[i].paths, paths...)
			g.usageAt = time.Time{}
			return
		}
	}
	g.stores = append(g.stores, tracked{store: store, paths: paths})
	g.usageAt = time.Time{}
}

// Usage returns the bytes on disk of each tracked store (allocated blocks:
// a sparse file counts what it holds), walking their files at most once per
// UsageInterval. A path that does not exist counts nothing; a file that
// vanishes during the walk (retention) is skipped.
func (g *Guard) Usage() map[string]int64 {
	g.usageMu.Lock()
	defer g.usageMu.Unlock()
	now := g.now()
	if g.usage != nil && now.Sub(g.usageAt) < UsageInterval {
		return maps.Clone(g.usage)
	}
	usage := make(map[string]int64, len(g.stores))
	for _, t := range g.stores {
		var n int64
		for _, p := range t.paths {
			n += pathBytes(p)
		}
		usage[t.store] = n
	}
	g.usage, g.usageAt = usage, now
	return maps.Clone(usage)
}

// pathBytes sums the bytes on disk of the files under p.
func pathBytes(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone (retention) or unreadable: counted as nothing, the walk goes on
		}
		if fi, err := d.Info(); err == nil && (fi.Mode().IsRegular() || fi.IsDir()) {
			n += fileBytes(fi)
		}
		return nil
	})
	return n
}
