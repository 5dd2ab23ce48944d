package cameras

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tidegate/tidegate/internal/typed"
)

// SourceConfig is a source type's configuration: the keys of a camera
// entry beside the common ones (name, source, fragment, retention …),
// decoded strictly into it.
type SourceConfig interface {
	// Validate checks the configuration without touching the network or
	// the disk. Errors wrap ErrConfig and name the key.
	Validate() error
}

// Source feeds one camera. Run calls cam.Begin for each session it gets
// (a connection to the camera), writes its frames and ends it, and keeps
// doing so — reconnecting with back-off, logging why — until ctx ends. A
// source that only waits for publishers returns when ctx ends.
type Source interface {
	Run(ctx context.Context, cam *Camera)
}

// Credentialed is implemented by a Source that takes publishers with
// credentials of its own (a camera entry's username and password); the
// ingest server checks them rather than its own.
type Credentialed interface {
	PublishCredentials() []Credential
}

// Capabilities say how the gateway treats a source type.
type Capabilities struct {
	// Publishable: the camera takes publishers from the ingest servers
	// (RTSP ANNOUNCE/RECORD, later WHIP) rather than pulling.
	Publishable bool
}

// Env is what a source gets from the gateway.
type Env struct {
	Logger *slog.Logger
}

// SourceType is one kind of camera source, as its package registers it
// with RegisterSource.
//
// Life of a source: NewConfig → decode the camera entry's other keys into
// it → Validate → New (per camera, with the `source:` value) → Run until
// its context ends.
type SourceType struct {
	// Name names the type in errors and logs: "rtsp", "publisher".
	Name string
	// Forms are the `source:` forms it accepts, for errors: "rtsp://…".
	Forms []string
	// Accepts says whether a `source:` value is of this type.
	Accepts func(source string) bool
	// Check, when not nil, checks a `source:` value of this type (a URL
	// that parses and names a host), as Validate checks the keys.
	Check func(source string) error
	// NewConfig returns an empty configuration (a pointer to a struct).
	NewConfig    func() SourceConfig
	Capabilities Capabilities
	// New builds the source of a camera from a valid configuration of
	// this type.
	New func(source string, cfg SourceConfig, env Env) (Source, error)
}

var sources = typed.NewRegistry[SourceType]("camera source")

// RegisterSource adds a source type. Call it from the init function of the
// type's package; a missing part or a repeated name panics.
func RegisterSource(t SourceType) {
	if t.Accepts == nil || t.NewConfig == nil || t.New == nil || len(t.Forms) == 0 {
		panic(fmt.Sprintf("cameras: source %q registered without Forms, Accepts, NewConfig or New", t.Name))
	}
	sources.Add(t.Name, t)
}

// LookupSource returns the source type registered as name.
func LookupSource(name string) (SourceType, bool) { return sources.Lookup(name) }

// SourceTypeOf returns the type of a `source:` value.
func SourceTypeOf(source string) (SourceType, bool) {
	for _, name := range sources.Names() {
		t, _ := sources.Lookup(name)
		if t.Accepts(source) {
			return t, true
		}
	}
	return SourceType{}, false
}

// SourceForms lists the `source:` forms of every registered type.
func SourceForms() []string {
	var out []string
	for _, name := range sources.Names() {
		t, _ := sources.Lookup(name)
		out = append(out, t.Forms...)
	}
	return out
}

// SourceSection is a camera entry: its `source:` picks a registered
// source type, whose configuration takes the keys that common (a pointer
// to the struct of the keys every camera has) does not.
func SourceSection(common any) typed.Section {
	return typed.Section{
		Kind:    "camera source",
		Types:   SourceForms(),
		TypeKey: "source",
		TypeOf: func(v string) (string, bool) {
			t, ok := SourceTypeOf(v)
			return t.Name, ok
		},
		NewConfig: func(name string) (any, bool) {
			t, ok := LookupSource(name)
			if !ok {
				return nil, false
			}
			return t.NewConfig(), true
		},
		Common: common,
	}
}
