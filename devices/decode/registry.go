package decode

import (
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml/ast"

	"github.com/tidegate/tidegate/internal/typed"
)

// Config is a decoder type's configuration: the keys of a subscription's
// `decoder:` block beside `type`, decoded strictly into it.
type Config interface {
	// Validate checks the configuration; errors wrap ErrConfig.
	Validate() error
}

// Type is one payload format, as its package registers it with Register.
//
// Life of a decoder: NewConfig → decode the `decoder:` keys into it →
// Validate → New (once per subscription, with its Env) → Decode ….
type Type struct {
	// Name is what `decoder: {type: …}` says.
	Name string
	// NewConfig returns an empty configuration (a pointer to a struct).
	NewConfig func() Config
	// New builds a subscription's decoder from a valid configuration of
	// this type. A decoder that keeps state (Sparkplug sessions) gets a
	// fresh one per call.
	New func(cfg Config, env Env) (Decoder, error)
}

// Env is what the gateway hands a decoder so that it can answer the devices
// whose data it decodes. Either function may be nil.
type Env struct {
	// Reply publishes a message through the broker the subscription reads
	// from (a Sparkplug rebirth request).
	Reply func(topic string, payload []byte)
	// SetOnline marks a device online or offline, saying why (a Sparkplug
	// death).
	SetOnline func(device string, online bool, why string)
}

var types = typed.NewRegistry[Type]("decoder")

// Register adds a decoder type. Call it from an init function; a missing
// part or a repeated name panics.
func Register(t Type) {
	if t.NewConfig == nil || t.New == nil {
		panic(fmt.Sprintf("decode: decoder %q registered without NewConfig or New", t.Name))
	}
	types.Add(t.Name, t)
}

// Lookup returns the decoder type registered as name.
func Lookup(name string) (Type, bool) { return types.Lookup(name) }

// Types lists the registered decoder types, sorted.
func Types() []string { return types.Names() }

// Spec is a subscription's decoder: the `decoder:` block
//
//	decoder:
//	  type: json
//	  fields: {temperature: env.t}
//	  time_field: ts
//
// The zero Spec is no decoder: payloads are stored as they are.
type Spec struct {
	Type   string
	Config Config
}

// UnmarshalYAML reads `type`, then decodes the other keys strictly into that
// type's configuration, so that a key the type does not take is reported at
// its own position.
func (s *Spec) UnmarshalYAML(node ast.Node) error {
	sec := typed.Section{
		Kind:  "decoder",
		Types: Types(),
		NewConfig: func(name string) (any, bool) {
			t, ok := Lookup(name)
			if !ok {
				return nil, false
			}
			return t.NewConfig(), true
		},
	}
	name, cfg, err := sec.Decode(node)
	if err != nil {
		return err
	}
	s.Type, s.Config = name, cfg.(Config)
	return nil
}

// Validate checks the decoder's configuration.
func (s Spec) Validate() error {
	if s.Config == nil {
		return nil
	}
	return s.Config.Validate()
}

// New builds the decoder through its registered type.
func (s Spec) New(env Env) (Decoder, error) {
	t, ok := Lookup(s.Type)
	if !ok {
		return nil, configErrorf("type %q is not one of %v", s.Type, Types())
	}
	if s.Config == nil || reflect.TypeOf(s.Config) != reflect.TypeOf(t.NewConfig()) {
		return nil, configErrorf("%T is not a configuration of type %s", s.Config, s.Type)
	}
	if err := s.Config.Validate(); err != nil {
		return nil, err
	}
	return t.New(s.Config, env)
}
