package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// Set at link time: -ldflags "-X main.version=... -X main.commit=..." (see the Makefile).
var (
	version = "v0.1.0-dev"
	commit  = "unknown"
)

// buildInfo is what `tidegate version` reports; the JSON names are a stable interface.
type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
	GOOS    string `json:"goos"`
	GOARCH  string `json:"goarch"`
	GOARM   string `json:"goarm"` // empty unless GOARCH is arm
}

func runVersion(args []string) error {
	fs := newFlagSet("version", "[--json]")
	asJSON := fs.Bool("json", false, "print a JSON object instead of a line")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return writeVersion(os.Stdout, currentBuild(), *asJSON)
}

// currentBuild reads GOARM from the binary's build settings at run time: it is the one
// fact that tells a Pi Zero user whether this binary can run on their board (GOARM=7
// crashes there), and the toolchain records it only in the build info.
func currentBuild() buildInfo {
	b := buildInfo{
		Version: version,
		Commit:  commit,
		Go:      runtime.Version(),
		GOOS:    runtime.GOOS,
		GOARCH:  runtime.GOARCH,
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "GOARM" && b.GOARCH == "arm":
			b.GOARM = s.Value
		case s.Key == "vcs.revision" && b.Commit == "unknown" && len(s.Value) >= 7:
			// Built without the Makefile's ldflags (go build, go install): the toolchain
			// still stamps the revision it built from.
			b.Commit = s.Value[:7]
		}
	}
	return b
}

func writeVersion(w io.Writer, b buildInfo, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	line := fmt.Sprintf("tidegate %s (commit %s) %s %s/%s", b.Version, b.Commit, b.Go, b.GOOS, b.GOARCH)
	if b.GOARM != "" {
		line += " GOARM=" + b.GOARM
	}
	_, err := fmt.Fprintln(w, line)
	return err
}
