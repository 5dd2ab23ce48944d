package firehoseapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/uplink"
)

// DefinitionsFile is the file under DataDir that holds the delivery stream
// definitions. It holds HTTP endpoint access keys, so it is private (0600).
const DefinitionsFile = "delivery-streams.json"

const definitionsVersion = 1

type definitionsDoc struct {
	Version         int           `json:"version"`
	DeliveryStreams []*definition `json:"delivery_streams"`
}

// readDefinitions reads the definitions file of dir; a missing file is an
// empty set.
func readDefinitions(dir string) (map[string]*definition, error) {
	path := filepath.Join(dir, DefinitionsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*definition{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("firehose: read definitions: %w", err)
	}
	defs, err := parseDefinitions(b)
	if err != nil {
		return nil, fmt.Errorf("firehose: %s: %w", path, err)
	}
	return defs, nil
}

// parseDefinitions decodes and checks a definitions file. A file it cannot
// read whole is an error, not an empty set: the next write would erase the
// definitions it failed to read.
func parseDefinitions(b []byte) (map[string]*definition, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc definitionsDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: data after the definitions")
	}
	if doc.Version != definitionsVersion {
		return nil, fmt.Errorf("version %d, want %d", doc.Version, definitionsVersion)
	}
	defs := make(map[string]*definition, len(doc.DeliveryStreams))
	for i, d := range doc.DeliveryStreams {
		if err := d.check(); err != nil {
			return nil, fmt.Errorf("delivery stream %d: %w", i, err)
		}
		if defs[d.Name] != nil {
			return nil, fmt.Errorf("delivery stream %d: %q is defined twice", i, d.Name)
		}
		defs[d.Name] = d
	}
	return defs, nil
}

// check validates a definition read back from the file.
func (d *definition) check() error {
	switch {
	case d == nil:
		return errors.New("null")
	case !validName(d.Name, maxNameLength):
		return fmt.Errorf("name %q is not a delivery stream name", d.Name)
	case !validName(d.Stream, 128):
		return fmt.Errorf("%s: stream %q is not a stream name", d.Name, d.Stream)
	case d.Type != typeDirectPut && d.Type != typeKinesisSource:
		return fmt.Errorf("%s: type %q", d.Name, d.Type)
	case d.Type == typeKinesisSource && d.Source == nil:
		return fmt.Errorf("%s: KinesisStreamAsSource without its source", d.Name)
	case d.Start != uplink.StartTrimHorizon && d.Start != uplink.StartAtTimestamp:
		return fmt.Errorf("%s: start %q", d.Name, d.Start)
	case d.S3 != nil && d.HTTP != nil:
		return fmt.Errorf("%s: two destinations", d.Name)
	case d.S3 != nil && bucketName(d.S3.BucketARN) == "":
		return fmt.Errorf("%s: bucket ARN %q", d.Name, d.S3.BucketARN)
	case d.HTTP != nil && d.HTTP.URL == "":
		return fmt.Errorf("%s: HTTP endpoint without a URL", d.Name)
	}
	return nil
}

// writeDefinitions replaces the definitions file of dir atomically: a
// temporary file, written and synced, renamed over the old one, and the
// directory synced, so a crash leaves the old set or the new one.
func writeDefinitions(dir string, defs map[string]*definition) error {
	doc := definitionsDoc{Version: definitionsVersion, DeliveryStreams: make([]*definition, 0, len(defs))}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		doc.DeliveryStreams = append(doc.DeliveryStreams, defs[name])
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("firehose: encode definitions: %w", err)
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("firehose: definitions directory: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dir, DefinitionsFile), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("firehose: write definitions: %w", err)
	}
	return nil
}

// save writes defs when the API persists definitions.
func (a *API) save(defs map[string]*definition) error {
	if a.DataDir == "" {
		return nil
	}
	return writeDefinitions(a.DataDir, defs)
}
