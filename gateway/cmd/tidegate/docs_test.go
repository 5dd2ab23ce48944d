package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/peer"
	"github.com/tidegate/tidegate/internal/selfsigned"
)

// Docs that run. Every fenced block in README.md and docs/**/*.md whose info
// string starts with yaml, and every shell block marked run, is checked here,
// so that a page cannot drift from the code. The markers:
//
//	```yaml           a Tidegate configuration file (it may hold only some
//	                  sections): checked as `tidegate config check` checks one
//	```yaml delivery  one delivery, as `tidegate deliveries create FILE` and
//	                  POST /api/v1/deliveries take it
//	```yaml other     YAML that is not Tidegate's (a prometheus.yml): not checked
//	```sh run         run with bash -e -o pipefail against a gateway started for
//	                  the block, which must exit 0
//
// A configuration is checked in a sandbox: each variable it reads (${NAME},
// secret_env, password_env) is set to a placeholder, and each *_file it names
// is made (a certificate and key for cert_file and key_file, the certificate
// for ca_file, a placeholder secret otherwise) and the path rewritten to it.
//
// A run block gets a fresh gateway (no configuration, an embedded broker, a
// temporary data directory) and runs in a directory with bin/tidegate; the
// default addresses it names (http://127.0.0.1:8080, 127.0.0.1:1883) are
// rewritten to the gateway's, TIDEGATE_ENDPOINT points at it, tidegate and
// firmware-sim are on PATH, and the AWS CLI has no profile. With the AWS CLI v1
// installed, --cli-binary-format (a v2 option; v1 sends blobs raw) is dropped.
// A block that needs the AWS CLI skips when it is missing, or fails under
// CI=true.

// docFiles lists README.md and docs/**/*.md.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// docBlock is a fenced block of a page.
type docBlock struct {
	file string // relative to the repository root
	line int    // of the opening fence
	info []string
	text string
}

func (b docBlock) String() string {
	return fmt.Sprintf("%s:%d (```%s)", b.file, b.line, strings.Join(b.info, " "))
}

var fenceRE = regexp.MustCompile("^( {0,3})(```+|~~~+)\\s*(.*)$")

// docBlocks reads the fenced blocks of a Markdown file.
func docBlocks(t *testing.T, root, path string) []docBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(root, path)
	var out []docBlock
	var cur *docBlock
	var fence string
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := fenceRE.FindStringSubmatch(line)
		switch {
		case cur == nil && m != nil:
			cur, fence = &docBlock{file: rel, line: n, info: strings.Fields(m[3])}, m[2]
			body.Reset()
		case cur != nil && m != nil && strings.HasPrefix(m[2], fence) && m[3] == "":
			cur.text = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Errorf("%s: the block opened here is never closed", cur)
	}
	return out
}

func repoRoot(t *testing.T) string { return peer.Root(t) }

// TestDocsYAMLIsValidConfiguration checks every yaml block of the docs.
func TestDocsYAMLIsValidConfiguration(t *testing.T) {
	root := repoRoot(t)
	n := 0
	for _, f := range docFiles(t, root) {
		for _, b := range docBlocks(t, root, f) {
			if len(b.info) == 0 || (b.info[0] != "yaml" && b.info[0] != "yml") {
				continue
			}
			n++
			t.Run(b.String(), func(t *testing.T) {
				kind := ""
				if len(b.info) > 1 {
					kind = b.info[1]
				}
				switch kind {
				case "":
					checkDocConfig(t, b)
				case "delivery":
					text, _ := sandbox(t, b.text)
					if _, err := config.ParseDelivery(b.String(), []byte(text)); err != nil {
						t.Fatalf("%s does not parse as a delivery:\n%v\n%s", b, err, b.text)
					}
				case "other":
				default:
					t.Fatalf("%s: unknown marker %q: a yaml block is a configuration (```yaml), one delivery (```yaml delivery) or not Tidegate's (```yaml other)", b, kind)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no yaml blocks found in the docs")
	}
}

// checkDocConfig checks a configuration as `tidegate config check` does, in a
// sandbox.
func checkDocConfig(t *testing.T, b docBlock) {
	text, environ := sandbox(t, b.text)
	cfg, err := config.Parse(b.String(), []byte(text), environ)
	if err != nil {
		t.Fatalf("%s is refused:\n%v\n%s", b, err, b.text)
	}
	cfg.DataDir = t.TempDir()
	if err := gateway.Check(cfg); err != nil {
		t.Fatalf("%s is refused at start:\n%v\n%s", b, err, b.text)
	}
}

var (
	envRefRE  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	envKeyRE  = regexp.MustCompile(`\b(?:secret_env|password_env)\s*:\s*([A-Za-z_][A-Za-z0-9_]*)`)
	fileKeyRE = regexp.MustCompile(`\b([a-z_]*_file)\s*:\s*["']?([^\s,}"'#]+)`)
)

// placeholder is the value of every secret a sandbox makes up: long enough
// for a token.
const placeholder = "doc-placeholder-0123456789abcdef"

// sandbox returns text with the files it names made and rewritten to, and an
// environment that sets the variables it reads.
func sandbox(t *testing.T, text string) (string, []string) {
	t.Helper()
	environ := []string{}
	for _, m := range envRefRE.FindAllStringSubmatch(text, -1) {
		environ = append(environ, m[1]+"="+placeholder)
	}
	for _, m := range envKeyRE.FindAllStringSubmatch(text, -1) {
		environ = append(environ, m[1]+"="+placeholder)
	}
	dir := t.TempDir()
	var cert, key string
	return fileKeyRE.ReplaceAllStringFunc(text, func(s string) string {
		m := fileKeyRE.FindStringSubmatch(s)
		keyName, path := m[1], m[2]
		var made string
		switch keyName {
		case "cert_file", "ca_file", "key_file":
			if cert == "" {
				cert, key = selfsigned.Write(t)
			}
			made = cert
			if keyName == "key_file" {
				made = key
			}
		default:
			made = filepath.Join(dir, filepath.Base(path))
			if err := os.WriteFile(made, []byte(placeholder+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return strings.Replace(s, path, made, 1)
	}), environ
}

// TestDocsShellExamplesRun runs every ```sh run block of the docs.
func TestDocsShellExamplesRun(t *testing.T) {
	root := repoRoot(t)
	var blocks []docBlock
	for _, f := range docFiles(t, root) {
		for _, b := range docBlocks(t, root, f) {
			if len(b.info) > 1 && (b.info[0] == "sh" || b.info[0] == "bash") && b.info[1] == "run" {
				blocks = append(blocks, b)
			}
		}
	}
	if len(blocks) == 0 {
		t.Fatal("no ```sh run blocks found in the docs")
	}
	tools := newDocTools(t, root)
	for _, b := range blocks {
		t.Run(b.String(), func(t *testing.T) { tools.run(t, b) })
	}
}

// docTools are the programs a run block may call.
type docTools struct {
	root, bin string
	once      sync.Once
	simErr    error
	awsV2     *bool
}

func newDocTools(t *testing.T, root string) *docTools {
	bin := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// tidegate is this test binary running main (see TestMain).
	wrapper := fmt.Sprintf("#!/bin/sh\nTIDEGATE_TEST_RUN_MAIN=1 exec %q \"$@\"\n", exe)
	if err := os.WriteFile(filepath.Join(bin, "tidegate"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return &docTools{root: root, bin: bin}
}

// firmwareSim builds firmware-sim into the tools once, for the blocks that
// call it.
func (d *docTools) firmwareSim(t *testing.T) {
	d.once.Do(func() {
		out, err := exec.Command("go", "build", "-C", d.root, "-o", filepath.Join(d.bin, "firmware-sim"), "./firmware-sim/cmd/firmware-sim").CombinedOutput()
		if err != nil {
			d.simErr = fmt.Errorf("go build firmware-sim: %v\n%s", err, out)
		}
	})
	if d.simErr != nil {
		t.Fatal(d.simErr)
	}
}

// awsCLIv2 reports the installed AWS CLI's major version, or calls
// peer.Missing.
func (d *docTools) awsCLIv2(t *testing.T) bool {
	if d.awsV2 == nil {
		if _, err := exec.LookPath("aws"); err != nil {
			peer.Missing(t, "the AWS CLI (aws)")
		}
		out, err := exec.Command("aws", "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("aws --version: %v: %s", err, out)
		}
		v2 := strings.HasPrefix(string(out), "aws-cli/2")
		d.awsV2 = &v2
	}
	return *d.awsV2
}

var awsBinaryFormatRE = regexp.MustCompile(`\s+--cli-binary-format\s+\S+`)

func (d *docTools) run(t *testing.T, b docBlock) {
	g := startDocGateway(t)
	script := b.text
	if regexp.MustCompile(`(?m)(^|[\s;|&(])aws\s`).MatchString(script) && !d.awsCLIv2(t) {
		script = awsBinaryFormatRE.ReplaceAllString(script, "")
	}
	if strings.Contains(script, "firmware-sim") {
		d.firmwareSim(t)
	}
	httpAddr, mqttAddr, rtspAddr := g.Addr().String(), g.MQTTAddr(), g.RTSPAddr().String()
	script = strings.NewReplacer(
		"http://127.0.0.1:8080", "http://"+httpAddr,
		"127.0.0.1:8080", httpAddr,
		"127.0.0.1:1883", mqttAddr,
		"127.0.0.1:8554", rtspAddr,
	).Replace(script)

	work := t.TempDir()
	if err := os.Mkdir(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"tidegate", "firmware-sim"} {
		if _, err := os.Stat(filepath.Join(d.bin, tool)); err == nil {
			if err := os.Symlink(filepath.Join(d.bin, tool), filepath.Join(work, "bin", tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TIDEGATE_") && !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+d.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TIDEGATE_ENDPOINT=http://"+httpAddr,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n--- script\n%s--- output\n%s", b, err, script, out)
	}
}

// startDocGateway runs a gateway on its defaults but for the addresses and
// data directory, as `tidegate run` with no configuration would.
func startDocGateway(t *testing.T) *gateway.Gateway {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen.HTTP = "127.0.0.1:0"
	cfg.MQTT.Listen = "127.0.0.1:0"
	cfg.RTSP.Listen = "127.0.0.1:0" // 8554 may be another gateway's, a test's of another package
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(context.Background()) })
	return g
}

// The block reader finds fences with their info strings and lines, keeps a
// longer fence open across a shorter one, and the sandbox makes the files and
// variables a configuration names.
func TestDocBlocksAndSandbox(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	md := "# T\n\n```yaml delivery\nname: d\n```\n\n````sh run\necho ```\n````\n\n```\nplain\n```\n"
	if err := os.WriteFile(page, []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	bs := docBlocks(t, dir, page)
	if len(bs) != 3 || bs[0].line != 3 || strings.Join(bs[0].info, " ") != "yaml delivery" || bs[0].text != "name: d\n" ||
		bs[1].text != "echo ```\n" || strings.Join(bs[1].info, " ") != "sh run" || len(bs[2].info) != 0 {
		t.Fatalf("blocks %+v", bs)
	}
	text, environ := sandbox(t, "auth:\n  tokens:\n    - {name: p, secret_file: /etc/x/p.token}\n  access_keys:\n    - {id: A, secret_env: K_SECRET}\nlisten: {tls: {cert_file: /etc/c.pem, key_file: \"/etc/k.pem\"}}\nx: ${HUB_KEY}\n")
	if strings.Contains(text, "/etc/") {
		t.Fatalf("paths not rewritten:\n%s", text)
	}
	for _, v := range []string{"K_SECRET=", "HUB_KEY="} {
		if !strings.Contains(strings.Join(environ, " "), v) {
			t.Errorf("environment %v lacks %s", environ, v)
		}
	}
	cfg, err := config.Parse("sandbox", []byte(strings.Replace(text, "x: ${HUB_KEY}\n", "", 1)), environ)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	if err := gateway.Check(cfg); err != nil {
		t.Fatalf("the sandboxed configuration does not check: %v", err)
	}
}
