package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/uplink"
)

// `config check` refuses what `run` would not build here: an s3 delivery
// whose region neither the file nor the AWS environment gives, a transform
// program that is not there. Both at the delivery's key, with its line.
// `run` reports those deliveries failed, with the same reason, and runs the
// others.
func TestConfigCheckRefusesWhatRunWouldNotBuild(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	file := filepath.Join(dir, "tidegate.yaml")
	yaml := `data_dir: ` + filepath.Join(dir, "data") + `
listen: {http: "127.0.0.1:0"}
mqtt: {listen: "-"}
streams: [{name: sensors}]
deliveries:
  - name: archive
    from: sensors
    to: {type: file, dir: ` + filepath.Join(dir, "archive") + `}
  - name: to-s3
    from: sensors
    to:
      type: s3
      bucket: telemetry
  - name: enriched
    from: sensors
    transform: {type: command, command: [` + filepath.Join(dir, "enrich") + `]}
    to: {type: file, dir: ` + filepath.Join(dir, "enriched") + `}
rtsp: {listen: "-"}
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := checkConfig(&stdout, &stderr, file, nil)
	if err == nil || !strings.Contains(err.Error(), "2 problems") {
		t.Fatalf("config check: %v, stdout %q; want 2 problems", err, stdout.String())
	}
	for _, want := range []string{
		file + ":11:5: deliveries[1].to: s3: region: not set here nor in the AWS environment",
		file + ":16:5: deliveries[2].transform: transform: command: exec: ",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("config check said\n%s\nwithout %q", stderr.String(), want)
		}
	}

	// run loads the same file, starts, and reports the two as failed.
	cfg, err := config.Load(file, nil)
	if err != nil {
		t.Fatalf("run would refuse the file: %v", err)
	}
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	defer g.Shutdown(context.Background())
	for name, why := range map[string]string{"to-s3": "region", "enriched": "command"} {
		st, err := g.Deliveries().Status(name)
		if err != nil || st.State != uplink.StateFailed || !strings.Contains(st.LastError, why) {
			t.Errorf("%s: %+v %v; want failed over its %s", name, st, err, why)
		}
	}
	if st, _ := g.Deliveries().Status("archive"); st.State != uplink.StateDelivering {
		t.Errorf("archive: %+v", st)
	}
}
