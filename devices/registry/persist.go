package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/tidegate/tidegate/internal/durable"
)

// The registry is kept in one JSON file so that a restart does not forget the
// fleet: which devices exist, when each was last heard from, what it said last.
// Save writes it atomically (internal/durable), so a crash leaves the previous
// copy or the new one; what changed after the last save is lost, which the
// devices' next messages repair.

// fileVersion is the layout of the file; Load refuses another.
const fileVersion = 1

type registryFile struct {
	Version int           `json:"version"`
	Devices []savedDevice `json:"devices"`
}

// savedDevice is a device with what List works out at read time left out.
type savedDevice struct {
	Device
	ExplicitlyOffline bool `json:"explicitly_offline,omitempty"`
}

// Version counts the changes to the registry, so that a caller saving it
// periodically can skip a save when nothing changed.
func (r *Registry) Version() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.version
}

// Save writes every device to path, replacing the file atomically and durably,
// and returns the Version it saved.
func (r *Registry) Save(path string) (uint64, error) {
	r.mu.Lock()
	f := registryFile{Version: fileVersion, Devices: make([]savedDevice, 0, len(r.devices))}
	for _, e := range r.devices {
		d := e.Device
		d.Online, d.Why = false, ""
		if e.offline {
			d.Why = e.Why
		}
		f.Devices = append(f.Devices, savedDevice{Device: d, ExplicitlyOffline: e.offline})
	}
	version := r.version
	r.mu.Unlock()
	data, err := json.Marshal(f)
	if err != nil {
		return 0, fmt.Errorf("registry: %w", err)
	}
	if err := durable.WriteFile(path, data, 0o600); err != nil {
		return 0, fmt.Errorf("registry: save %s: %w", path, err)
	}
	return version, nil
}

// Load adds the devices saved in path to the registry; a missing file is an
// empty registry. A device the registry knows already keeps what it has.
func (r *Registry) Load(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	var f registryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("registry: %s: %w", path, err)
	}
	if f.Version != fileVersion {
		return fmt.Errorf("registry: %s: version %d, want %d", path, f.Version, fileVersion)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range f.Devices {
		if d.ID == "" || r.devices[d.ID] != nil {
			continue
		}
		e := &entry{Device: d.Device, offline: d.ExplicitlyOffline}
		e.Online = false
		if !e.offline {
			e.Why = ""
		}
		r.devices[d.ID] = e
	}
	return nil
}
