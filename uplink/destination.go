package uplink

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/tidegate/tidegate/internal/typed"
)

// DestinationConfig is a destination type's configuration: the keys of a
// delivery's `to:` block beside `type`, decoded strictly into it.
type DestinationConfig interface {
	// Validate checks the configuration without touching the network or
	// the disk. Errors wrap ErrConfig and name the key.
	Validate() error
}

// EnvironmentChecker is implemented by a destination or transform
// configuration whose use also depends on the machine the gateway runs on:
// a region from the AWS environment, files it reads, secrets in variables,
// a program on the PATH. CheckEnvironment tells, without touching the
// network, what building it there would refuse. `tidegate config check`
// runs it, so that the check refuses what the gateway would; a delivery
// that fails it when the gateway starts is reported failed, and the others
// run. Errors wrap ErrConfig and name the key.
type EnvironmentChecker interface {
	CheckEnvironment() error
}

// Compressing is implemented by the configuration of a destination that the
// delivery's `compression:` key applies to.
type Compressing interface {
	// WithCompression returns the configuration compressing with c unless
	// it names a compression of its own, or an error when the destination
	// cannot apply c.
	WithCompression(c string) (DestinationConfig, error)
}

// DestinationType is one kind of destination, as its package registers it
// with RegisterDestination.
//
// Life of a destination: NewConfig → decode the `to:` keys into it →
// Validate → New (per delivery, with its Env) → Send … → Close.
type DestinationType struct {
	// Name is what `to: {type: …}` says.
	Name string
	// NewConfig returns an empty configuration (a pointer to a struct) for
	// the keys under `to:` to decode into.
	NewConfig    func() DestinationConfig
	Capabilities Capabilities
	// New builds a sink from a valid configuration of this type (one that
	// NewConfig made).
	New func(ctx context.Context, cfg DestinationConfig, env Env) (Sink, error)
}

// Capabilities say how the delivery engine treats a destination type.
type Capabilities struct {
	// ErrorOutputType is what !{firehose:error-output-type} expands to for
	// the records the destination refused, as Firehose names it per
	// destination ("s3-failed", "http-endpoint-failed"); empty means
	// "<name>-failed".
	ErrorOutputType string
}

var destinations = typed.NewRegistry[DestinationType]("destination")

// RegisterDestination adds a destination type. Call it from the init
// function of the type's package; a missing part or a repeated name
// panics.
func RegisterDestination(t DestinationType) {
	if t.NewConfig == nil || t.New == nil {
		panic(fmt.Sprintf("uplink: destination %q registered without NewConfig or New", t.Name))
	}
	destinations.Add(t.Name, t)
}

// LookupDestination returns the destination type registered as name.
func LookupDestination(name string) (DestinationType, bool) { return destinations.Lookup(name) }

// DestinationTypes lists the registered destination types, sorted.
func DestinationTypes() []string { return destinations.Names() }

// DestinationSection is the `to:` block: its type key picks a registered
// destination type, whose configuration takes the other keys.
func DestinationSection() typed.Section {
	return typed.Section{
		Kind:  "destination",
		Types: DestinationTypes(),
		NewConfig: func(name string) (any, bool) {
			t, ok := LookupDestination(name)
			if !ok {
				return nil, false
			}
			return t.NewConfig(), true
		},
	}
}

// NewSink builds spec's destination with the type spec.DestinationType
// names.
func NewSink(ctx context.Context, spec Spec, env Env) (Sink, error) {
	t, ok := LookupDestination(spec.DestinationType)
	if !ok {
		return nil, fmt.Errorf("%w: destination type %q is not one of %s", ErrConfig, spec.DestinationType, strings.Join(DestinationTypes(), ", "))
	}
	cfg, ok := spec.Destination.(DestinationConfig)
	if !ok || reflect.TypeOf(cfg) != reflect.TypeOf(t.NewConfig()) {
		return nil, fmt.Errorf("%w: destination %T is not a configuration of type %s", ErrConfig, spec.Destination, t.Name)
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	return t.New(ctx, cfg, env)
}

// checkConfig runs Validate, then CheckEnvironment where there is one.
func checkConfig(cfg interface{ Validate() error }) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if ec, ok := cfg.(EnvironmentChecker); ok {
		return ec.CheckEnvironment()
	}
	return nil
}

// errorOutputType is the destination type's name for its failures.
func errorOutputType(destinationType string) string {
	if t, ok := LookupDestination(destinationType); ok && t.Capabilities.ErrorOutputType != "" {
		return t.Capabilities.ErrorOutputType
	}
	if destinationType == "" {
		return "delivery-failed"
	}
	return destinationType + "-failed"
}
