package uplink

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/tidegate/tidegate/internal/typed"
)

// TransformConfig is a transform type's configuration: the keys of a
// delivery's `transform:` block beside `type`, decoded strictly into it.
type TransformConfig interface {
	// Validate checks the configuration without running anything. Errors
	// wrap ErrConfig and name the key.
	Validate() error
}

// TransformType is one kind of transform, as its package registers it with
// RegisterTransform.
type TransformType struct {
	// Name is what `transform: {type: …}` says.
	Name string
	// NewConfig returns an empty configuration (a pointer to a struct) for
	// the keys under `transform:` to decode into.
	NewConfig func() TransformConfig
	// New builds a transform from a valid configuration of this type.
	New func(ctx context.Context, cfg TransformConfig, env Env) (Transformer, error)
}

var transforms = typed.NewRegistry[TransformType]("transform")

// RegisterTransform adds a transform type. Call it from the init function
// of the type's package; a missing part or a repeated name panics.
func RegisterTransform(t TransformType) {
	if t.NewConfig == nil || t.New == nil {
		panic(fmt.Sprintf("uplink: transform %q registered without NewConfig or New", t.Name))
	}
	transforms.Add(t.Name, t)
}

// LookupTransform returns the transform type registered as name.
func LookupTransform(name string) (TransformType, bool) { return transforms.Lookup(name) }

// TransformTypes lists the registered transform types, sorted.
func TransformTypes() []string { return transforms.Names() }

// TransformSection is the `transform:` block: its type key picks a
// registered transform type, whose configuration takes the other keys.
func TransformSection() typed.Section {
	return typed.Section{
		Kind:  "transform",
		Types: TransformTypes(),
		NewConfig: func(name string) (any, bool) {
			t, ok := LookupTransform(name)
			if !ok {
				return nil, false
			}
			return t.NewConfig(), true
		},
	}
}

// NewTransformer builds spec's transform (spec.Transform not nil) with the
// type spec.TransformType names.
func NewTransformer(ctx context.Context, spec Spec, env Env) (Transformer, error) {
	t, ok := LookupTransform(spec.TransformType)
	if !ok {
		return nil, fmt.Errorf("%w: transform type %q is not one of %s", ErrConfig, spec.TransformType, strings.Join(TransformTypes(), ", "))
	}
	cfg, ok := spec.Transform.(TransformConfig)
	if !ok || reflect.TypeOf(cfg) != reflect.TypeOf(t.NewConfig()) {
		return nil, fmt.Errorf("%w: transform %T is not a configuration of type %s", ErrConfig, spec.Transform, t.Name)
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	return t.New(ctx, cfg, env)
}
