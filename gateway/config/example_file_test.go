package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

const exampleFile = "../../tidegate.example.yaml"

// TestExampleFile: the sample shipped in the repository is valid as it stands, with
// the settings it documents.
func TestExampleFile(t *testing.T) {
	c, err := Load(exampleFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !isLoopback(strings.Split(c.Listen.HTTP, ":")[0]) || len(c.Auth.AccessKeys) != 0 || c.Listen.TLS != nil {
		t.Errorf("the sample should listen on loopback with no keys and no TLS: %+v", c)
	}
	s, ok := c.Stream("sensors")
	if !ok || s.Shards != 2 || len(c.Streams) != 1 {
		t.Errorf("the sample should have one stream, sensors, with 2 shards: %+v", c.Streams)
	}
}

// TestExampleFileMentionsEveryKey keeps the sample complete: each key of the schema
// appears in it, set or commented out.
func TestExampleFileMentionsEveryKey(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if !strings.Contains(text, key+":") {
			t.Errorf("%s does not mention %q", exampleFile, key)
		}
	}
}

// yamlKeys lists the yaml keys of t's fields and of the structs below them.
func yamlKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		keys = append(keys, tag)
		keys = append(keys, yamlKeys(f.Type)...)
	}
	return keys
}
