// Package registry keeps every device the gateway has heard from — over
// MQTT or from a periph sensor — with when it was first and last seen, how
// many messages it sent, its last values, and whether it is online.
package registry

import (
	"maps"
	"sort"
	"sync"
	"time"
)

// Device is what the registry knows of one device.
type Device struct {
	ID         string         `json:"id"`
	Source     string         `json:"source"` // "mqtt", "mqtt:<broker>", "sensor", "sparkplug"…
	FirstSeen  time.Time      `json:"first_seen"`
	LastSeen   time.Time      `json:"last_seen"`
	Messages   int64          `json:"messages"`
	LastValues map[string]any `json:"last_values,omitempty"`
	Online     bool           `json:"online"`
	// Why is set when the device is offline: "timeout", or what its source
	// said (a Sparkplug death, a sensor that stopped answering).
	Why string `json:"offline_reason,omitempty"`
}

type entry struct {
	Device
	offline bool // explicitly offline (death, failed sensor) until seen again
}

// Registry is safe for concurrent use.
type Registry struct {
	timeout time.Duration
	now     func() time.Time

	mu      sync.Mutex
	devices map[string]*entry
	version uint64 // changes so far; see Version
}

// New returns a registry that calls a device offline when it has not been
// seen for timeout (0: never by time alone).
func New(timeout time.Duration, clock func() time.Time) *Registry {
	if clock == nil {
		clock = time.Now
	}
	return &Registry{timeout: timeout, now: clock, devices: map[string]*entry{}}
}

// Seen records a message or reading from a device.
func (r *Registry) Seen(device, source string, values map[string]any, at time.Time) {
	if at.IsZero() {
		at = r.now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.devices[device]
	if e == nil {
		e = &entry{Device: Device{ID: device, FirstSeen: at}}
		r.devices[device] = e
	}
	e.Source = source
	e.Messages++
	if at.After(e.LastSeen) {
		e.LastSeen = at
	}
	if values != nil {
		e.LastValues = values
	}
	e.offline = false
	r.version++
}

// SetOnline marks a device online or offline on its source's word (a
// Sparkplug birth or death, a sensor failing or recovering).
func (r *Registry) SetOnline(device, source string, online bool, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.devices[device]
	if e == nil {
		at := r.now()
		e = &entry{Device: Device{ID: device, Source: source, FirstSeen: at, LastSeen: at}}
		r.devices[device] = e
	}
	e.offline, e.Why = !online, why
	r.version++
}

// List returns every device, sorted by id.
func (r *Registry) List() []Device {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Device, 0, len(r.devices))
	for _, e := range r.devices {
		out = append(out, r.view(e))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns one device.
func (r *Registry) Get(id string) (Device, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.devices[id]
	if !ok {
		return Device{}, false
	}
	return r.view(e), true
}

// view is a copy of e with Online worked out now. The caller holds mu.
func (r *Registry) view(e *entry) Device {
	d := e.Device
	d.LastValues = maps.Clone(e.LastValues)
	switch {
	case e.offline:
		d.Online = false
	case r.timeout > 0 && r.now().Sub(e.LastSeen) > r.timeout:
		d.Online, d.Why = false, "timeout"
	default:
		d.Online, d.Why = true, ""
	}
	return d
}
