package uplink

import (
	"context"
	"errors"
	"testing"
)

// memConfig is the configuration of a destination type registered for
// these tests only.
type memConfig struct {
	Name string `yaml:"name"`
}

func (c memConfig) Validate() error {
	if c.Name == "" {
		return errors.New("uplink: config: name: required")
	}
	return nil
}

type otherConfig struct{}

func (otherConfig) Validate() error { return nil }

func init() {
	RegisterDestination(DestinationType{
		Name:         "test-mem",
		NewConfig:    func() DestinationConfig { return new(memConfig) },
		Capabilities: Capabilities{ErrorOutputType: "mem-refused"},
		New: func(_ context.Context, cfg DestinationConfig, env Env) (Sink, error) {
			return &namedSink{name: cfg.(*memConfig).Name, env: env}, nil
		},
	})
}

type namedSink struct {
	name string
	env  Env
}

func (*namedSink) Send(context.Context, *Batch) error { return nil }
func (*namedSink) Close() error                       { return nil }

func TestNewSinkFromRegistry(t *testing.T) {
	env := Env{Delivery: "d", Region: "eu-west-1", AccountID: "111122223333"}
	s, err := NewSink(context.Background(), Spec{DestinationType: "test-mem", Destination: &memConfig{Name: "m"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if ns := s.(*namedSink); ns.name != "m" || ns.env != env {
		t.Errorf("sink %+v", ns)
	}
	if got := env.DeliveryStreamARN(); got != "arn:aws:firehose:eu-west-1:111122223333:deliverystream/d" {
		t.Errorf("ARN %s", got)
	}
	for name, spec := range map[string]Spec{
		"unknown type":     {DestinationType: "ftp", Destination: &memConfig{Name: "m"}},
		"another type's":   {DestinationType: "test-mem", Destination: otherConfig{}},
		"not a pointer":    {DestinationType: "test-mem", Destination: memConfig{Name: "m"}},
		"invalid":          {DestinationType: "test-mem", Destination: &memConfig{}},
		"no configuration": {DestinationType: "test-mem"},
	} {
		if _, err := NewSink(context.Background(), spec, env); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestErrorOutputType(t *testing.T) {
	for typ, want := range map[string]string{"test-mem": "mem-refused", "kafka": "kafka-failed", "": "delivery-failed"} {
		if got := errorOutputType(typ); got != want {
			t.Errorf("%q: %s, want %s", typ, got, want)
		}
	}
}

func TestRegisterDestinationRefusesDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second test-mem registered")
		}
	}()
	RegisterDestination(DestinationType{Name: "test-mem", NewConfig: func() DestinationConfig { return new(memConfig) },
		New: func(context.Context, DestinationConfig, Env) (Sink, error) { return nil, nil }})
}
