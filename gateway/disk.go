package gateway

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/disk"
	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/shards"
)

// openDisk makes the disk guard of the data directory, which every store
// in it shares: new data stops at storage.reserve, bookkeeping goes on. On
// a system without statfs the gateway runs without one, and says so.
func (g *Gateway) openDisk(cfg *config.Config) error {
	reserve, err := cfg.Storage.Reserve.Resolve()
	if err != nil {
		return fmt.Errorf("storage.reserve: %w", err)
	}
	if err := durable.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	guard, err := disk.New(cfg.DataDir, disk.Options{Reserve: reserve, Logger: g.logger, Statfs: g.statfs})
	if errors.Is(err, errors.ErrUnsupported) {
		g.logger.Warn("disk: no guard for the data directory: a full disk will fail writes of every kind", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	guard.Track("shards", filepath.Join(cfg.DataDir, "shards"))
	guard.Track("uplink", filepath.Join(cfg.DataDir, "uplink"))
	guard.Track("mqtt", mqttSessionDir(cfg))
	g.disk = guard
	st := guard.State()
	g.logger.Info("disk", "dir", cfg.DataDir, "total_bytes", st.Total, "free_bytes", st.Free,
		"reserve_bytes", st.Reserve, "reserve", reserve.String())
	return nil
}

// space is the guard as the storage engine takes it: nil, not a nil
// *disk.Guard, when there is none.
func (g *Gateway) space() shards.Space {
	if g.disk == nil {
		return nil
	}
	return g.disk
}

// diskState is the guard's state; the zero State when there is no guard.
func (g *Gateway) diskState() disk.State {
	if g.disk == nil {
		return disk.State{}
	}
	return g.disk.State()
}

// setReserve applies a reloaded storage.reserve.
func (g *Gateway) setReserve(cfg *config.Config) error {
	if g.disk == nil {
		return nil
	}
	reserve, err := cfg.Storage.Reserve.Resolve()
	if err != nil {
		return fmt.Errorf("storage.reserve: %w", err)
	}
	return g.disk.SetReserve(reserve)
}

// diskWatchInterval is how often the gateway looks at the disk for the
// state's beginning and end: the status events and systemd's status line.
const diskWatchInterval = time.Second

// watchDisk writes a disk_full event into the status stream when new data
// begins to be refused, and a disk_ok event when it is taken again (each
// once, as the guard logs them), and tells systemd.
func (g *Gateway) watchDisk(ctx context.Context) {
	defer g.wg.Done()
	t := time.NewTicker(diskWatchInterval)
	defer t.Stop()
	full := false
	for {
		st := g.disk.State()
		if st.Full != full {
			full = st.Full
			g.reportDisk(ctx, st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// diskEvent is the status event of a change of the disk's state.
type diskEvent struct {
	Dir          string    `json:"dir"`
	TotalBytes   int64     `json:"total_bytes"`
	FreeBytes    int64     `json:"free_bytes"`
	ReserveBytes int64     `json:"reserve_bytes"`
	Since        time.Time `json:"since,omitzero"`
	Reason       string    `json:"reason,omitempty"`
	Refused      int64     `json:"refused"`
}

// reportDisk tells systemd and the status stream of a change of the disk's state.
func (g *Gateway) reportDisk(ctx context.Context, st disk.State) {
	name, status := "disk_ok", "new data accepted again"
	if st.Full {
		name, status = "disk_full", st.Reason+": new data refused"
	}
	g.notify.Status(status)
	ev := diskEvent{Dir: st.Dir, TotalBytes: st.Total, FreeBytes: st.Free, ReserveBytes: st.Reserve,
		Since: st.Since, Reason: st.Reason, Refused: st.Refused}
	if err := g.uplink.Event(ctx, "disk", name, ev); err != nil && ctx.Err() == nil {
		g.logger.Warn("disk: status event not written", "event", name, "err", err)
	}
}

// spaceLow tells the store that the data directory is below its reserve,
// so that retention may delete records kept for deliveries that have not
// sent them (counted and reported as undelivered_deleted): the reserve is
// for bookkeeping, and a backlog kept past retention must not take it.
func (g *Gateway) spaceLow() bool {
	if g.disk == nil {
		return false
	}
	st := g.disk.State()
	return st.Full || st.Free < st.Reserve
}
