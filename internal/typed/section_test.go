package typed

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

type fileConfig struct {
	Dir    string `yaml:"dir"`
	Prefix string `yaml:"prefix"`
}

type auth struct {
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
}

type channel struct {
	Name string  `yaml:"name"`
	Gain float64 `yaml:"gain"`
}

type Shared struct {
	Timeout string `yaml:"timeout"`
}

type kafkaConfig struct {
	Brokers  []string  `yaml:"brokers"`
	SASL     *auth     `yaml:"sasl"`
	Channels []channel `yaml:"channels"`
	Logger   any       `yaml:"-"`
	Shared   `yaml:",inline"`
}

type common struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

func section(c any) Section {
	return Section{
		Kind:  "destination",
		Types: []string{"file", "kafka"},
		NewConfig: func(name string) (any, bool) {
			switch name {
			case "file":
				return &fileConfig{}, true
			case "kafka":
				return &kafkaConfig{}, true
			}
			return nil, false
		},
		Common: c,
	}
}

// decodeTo decodes the `to:` section of doc.
func decodeTo(t *testing.T, s Section, doc string) (string, any, error) {
	t.Helper()
	f, err := parser.ParseBytes([]byte(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range f.Docs[0].Body.(*ast.MappingNode).Values {
		if kv.Key.GetToken().Value == "to" {
			return s.Decode(kv.Value)
		}
	}
	t.Fatalf("no to: in %q", doc)
	return "", nil, nil
}

func TestSectionDecode(t *testing.T) {
	name, cfg, err := decodeTo(t, section(nil), "to:\n  type: kafka\n  brokers: [a:9092]\n  timeout: 5s\n  sasl: {mechanism: plain}\n")
	if err != nil {
		t.Fatal(err)
	}
	k, ok := cfg.(*kafkaConfig)
	if name != "kafka" || !ok || k.Brokers[0] != "a:9092" || k.Timeout != "5s" || k.SASL.Mechanism != "plain" {
		t.Errorf("got %q %+v", name, cfg)
	}

	c := &common{}
	_, cfg, err = decodeTo(t, section(c), "to: {name: n, type: file, dir: /x}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "n" || c.Type != "file" || cfg.(*fileConfig).Dir != "/x" {
		t.Errorf("common %+v, config %+v", c, cfg)
	}
}

func TestSectionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		common    any
		line, col int
		msg       string
	}{
		{"misspelled key", "to:\n  type: file\n  path: /x\n  dir: /x\n", nil, 3, 3,
			`unknown field "path" in to: destination type file takes dir, prefix`},
		{"first unknown key in the file", "to:\n  type: file\n  dri: /x\n  prefx: p\n  pth: q\n", nil, 3, 3,
			`unknown field "dri" in to: destination type file takes dir, prefix`},
		{"another type's key", "to: {type: file, dir: x, brokers: [b]}\n", nil, 1, 26,
			`unknown field "brokers" in to: destination type file takes dir, prefix`},
		{"inline keys are listed", "to: {type: kafka, timout: 5s}\n", nil, 1, 19,
			`unknown field "timout" in to: destination type kafka takes brokers, channels, sasl, timeout`},
		{"common keys are listed", "to: {name: n, type: file, nmae: x}\n", &common{}, 1, 27,
			`unknown field "nmae" in to: destination type file takes dir, name, prefix`},
		{"nested mapping", "to:\n  type: kafka\n  sasl:\n    mechanism: plain\n    user: u\n", nil, 5, 5,
			`unknown field "user" in to.sasl: destination type kafka takes mechanism, username there`},
		{"list item", "to:\n  type: kafka\n  channels:\n    - {name: a, gian: 2}\n", nil, 4, 17,
			`unknown field "gian" in to.channels[0]: destination type kafka takes gain, name there`},
		{"no type", "to: {dir: x}\n", nil, 1, 5, `to: needs a type: one of file, kafka`},
		{"empty type", "to:\n  type:\n  dir: x\n", nil, 2, 3, `to: needs a type: one of file, kafka`},
		{"unknown type", "to: {type: ftp}\n", nil, 1, 12, `to.type: "ftp" is not one of file, kafka`},
		{"type not a name", "to: {type: [file]}\n", nil, 1, 12, `to.type: expected a type name (file, kafka), got a list`},
		{"not a mapping", "to: file\n", nil, 1, 5, `to: expected a mapping with a type (file, kafka), got "file"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeTo(t, section(tc.common), tc.doc)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.Line != tc.line || e.Column != tc.col || e.Msg != tc.msg {
				t.Errorf("got %d:%d: %s\nwant %d:%d: %s", e.Line, e.Column, e.Msg, tc.line, tc.col, tc.msg)
			}
		})
	}
}

// A section whose type is picked by the value of another key: a camera's
// source URL names its type by its scheme.
func TestSectionTypeOf(t *testing.T) {
	sec := section(&struct {
		Name   string `yaml:"name"`
		Source string `yaml:"source"`
	}{})
	sec.Types = []string{"file://…", "kafka://…"}
	sec.TypeKey = "source"
	sec.TypeOf = func(v string) (string, bool) {
		scheme, _, ok := strings.Cut(v, "://")
		return scheme, ok
	}
	name, cfg, err := decodeTo(t, sec, "to: {name: n, source: file:///x, dir: /x}\n")
	if err != nil || name != "file" || cfg.(*fileConfig).Dir != "/x" {
		t.Fatalf("got %q %+v %v", name, cfg, err)
	}
	for _, tc := range []struct{ doc, msg string }{
		{"to: {source: ftp://x}\n", `to.source: "ftp://x" is not one of file://…, kafka://…`},
		{"to: {source: x}\n", `to.source: "x" is not one of file://…, kafka://…`},
		{"to: {dir: x}\n", `to: needs a source: one of file://…, kafka://…`},
		{"to: {source: [x]}\n", `to.source: expected a source (file://…, kafka://…), got a list`},
		{"to: {source: file://x, brokers: [b]}\n", `unknown field "brokers" in to: destination type file takes dir, name, prefix`},
	} {
		_, _, err := decodeTo(t, sec, tc.doc)
		if e, ok := err.(*Error); !ok || e.Msg != tc.msg {
			t.Errorf("%q: got %v, want %s", tc.doc, err, tc.msg)
		}
	}
}

// A bad value is the decoder's error, with its own position.
func TestSectionValueError(t *testing.T) {
	_, _, err := decodeTo(t, section(nil), "to:\n  type: kafka\n  brokers: {a: b}\n")
	if err == nil {
		t.Fatal("no error")
	}
	if _, ok := err.(*Error); ok {
		t.Errorf("a value error became a shape error: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry[int]("widget")
	r.Add("b", 2)
	r.Add("a", 1)
	if v, ok := r.Lookup("a"); !ok || v != 1 {
		t.Errorf("lookup a: %d %v", v, ok)
	}
	if _, ok := r.Lookup("c"); ok {
		t.Error("lookup c found something")
	}
	if n := r.Names(); len(n) != 2 || n[0] != "a" || n[1] != "b" {
		t.Errorf("names %v", n)
	}
	for _, name := range []string{"a", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%q) did not panic", name)
				}
			}()
			r.Add(name, 3)
		}()
	}
}
