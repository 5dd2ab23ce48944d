//go:build linux && !arm && !386 && !mips && !mipsle

package main

// The gateway's power-cut test of what it keeps beside the streams. A
// child process runs `tidegate run` on a new data directory on the
// power-cut filesystem, as a Pi's first start does, and through its HTTP
// API creates and deletes deliveries (REST, DATA_DIR/uplink/api/NAME.json)
// and Firehose delivery streams (DATA_DIR/delivery-streams.json, each with
// its backing stream), acknowledging each once answered; it acknowledges
// the iterator key the gateway made too. After each cut the parent starts
// a gateway on a copy of what the cut left and asks its API: every
// acknowledged definition there, every acknowledged deletion gone, the
// iterator key the one acknowledged; the operation after the last
// acknowledged one (announced before it starts) may or may not have
// happened.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/gateway"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/powercut"
)

// pcCall makes an API request and returns the status and body.
func pcCall(base, method, path, target, body string) (int, string, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", "Firehose_20150804."+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// pcDataDir is the data directory in root: two levels that the first
// start makes, so that no other directory made in root syncs it by the
// way.
func pcDataDir(root string) string { return filepath.Join(root, "state", "data") }

func TestPowerCutDefinitionsChild(t *testing.T) {
	c := powercut.StartChild(t)
	data := pcDataDir(c.Dir)
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	go func() {
		err := runRun([]string{"--data-dir", data, "--http", "127.0.0.1:" + port, "--mqtt", "-", "--log-level", "error"})
		c.Fatalf("tidegate run ended: %v", err)
	}()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if code, _, err := pcCall(base, "GET", "/healthz", "", ""); err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			c.Fatalf("the gateway did not start in a minute")
		}
	}
	key, err := os.ReadFile(filepath.Join(data, "iterator.key"))
	if err != nil {
		c.Fatalf("iterator key: %v", err)
	}
	c.Ack("key %x", key)
	c.Ready()
	// do announces an operation, makes it and acknowledges it.
	do := func(op, name, method, path, target, body string, want int) {
		c.Ack("intent %s %s", op, name)
		code, b, err := pcCall(base, method, path, target, body)
		if err != nil || code != want {
			c.Fatalf("%s %s: %d %s %v", op, name, code, b, err)
		}
		c.Ack("%s %s", op, name)
	}
	export := filepath.Join(c.Dir, "export")
	for k := 0; ; k++ {
		rest, hub := fmt.Sprintf("r%d-%d", c.Cycle, k), fmt.Sprintf("f%d-%d", c.Cycle, k)
		do("rest+", rest, "POST", "/api/v1/deliveries", "",
			fmt.Sprintf(`{"name": %q, "from": "sensors", "to": {"type": "file", "dir": %q}}`, rest, export), http.StatusCreated)
		do("hub+", hub, "POST", "/", "CreateDeliveryStream", fmt.Sprintf(`{"DeliveryStreamName": %q}`, hub), http.StatusOK)
		if k%2 == 1 {
			prevRest, prevHub := fmt.Sprintf("r%d-%d", c.Cycle, k-1), fmt.Sprintf("f%d-%d", c.Cycle, k-1)
			do("rest-", prevRest, "DELETE", "/api/v1/deliveries/"+prevRest, "", "", http.StatusNoContent)
			do("hub-", prevHub, "POST", "/", "DeleteDeliveryStream", fmt.Sprintf(`{"DeliveryStreamName": %q}`, prevHub), http.StatusOK)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pcDefinitions is what the children acknowledged, across the cycles.
type pcDefinitions struct {
	key  string
	want map[string]bool // "rest name" or "hub name" → defined
}

func (p *pcDefinitions) check(t *testing.T, cy *powercut.Cycle) error {
	inFlight := ""
	for _, a := range cy.Acks {
		f := strings.Fields(a)
		switch {
		case len(f) == 2 && f[0] == "key":
			if p.key != "" && p.key != f[1] {
				return fmt.Errorf("the iterator key changed from %s to %s", p.key, f[1])
			}
			p.key = f[1]
		case len(f) == 3 && f[0] == "intent":
			inFlight = strings.TrimRight(f[1], "+-") + " " + f[2]
		case len(f) == 2:
			kind := strings.TrimRight(f[0], "+-")
			p.want[kind+" "+f[1]] = strings.HasSuffix(f[0], "+")
			inFlight = ""
		default:
			return fmt.Errorf("bad acknowledgement %q", a)
		}
	}
	if p.key == "" {
		return nil // cut before the gateway was up
	}
	root := filepath.Join(t.TempDir(), "copy")
	if err := powercut.CopyDir(cy.Dir, root); err != nil {
		return err
	}
	data := pcDataDir(root)
	key, err := os.ReadFile(filepath.Join(data, "iterator.key"))
	if err != nil || hex.EncodeToString(key) != p.key {
		return fmt.Errorf("iterator key after the cut: %x %v; %s was acknowledged", key, err, p.key)
	}
	have, err := pcDefined(data)
	if err != nil {
		return err
	}
	var errs []error
	for name, defined := range p.want {
		if name != inFlight && have[name] != defined {
			errs = append(errs, fmt.Errorf("%s: defined %v after the cut, %v acknowledged", name, have[name], defined))
		}
	}
	for name := range have {
		if _, ok := p.want[name]; !ok && name != inFlight {
			errs = append(errs, fmt.Errorf("%s is defined after the cut and was never acknowledged", name))
		}
	}
	if inFlight != "" {
		p.want[inFlight] = have[inFlight] // as the cut decided, for good
	}
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Errorf("and %d more", len(errs)-5))
	}
	return errors.Join(errs...)
}

// pcDefined starts a gateway on data and lists its REST deliveries and
// Firehose delivery streams: "rest name" and "hub name".
func pcDefined(data string) (map[string]bool, error) {
	cfg, err := config.Parse("powercut.yaml", []byte("mqtt: {listen: \"-\"}\nrtsp: {listen: \"-\"}\n"), nil)
	if err != nil {
		return nil, err
	}
	cfg.DataDir, cfg.Listen.HTTP = data, "127.0.0.1:0"
	g := gateway.New(cfg, slog.New(slog.DiscardHandler), "test")
	if err := g.Start(context.Background()); err != nil {
		return nil, fmt.Errorf("start a gateway on what the cut left: %w", err)
	}
	defer g.Shutdown(context.Background())
	base := "http://" + g.Addr().String()
	have := map[string]bool{}
	code, body, err := pcCall(base, "GET", "/api/v1/deliveries", "", "")
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("list deliveries: %d %s %v", code, body, err)
	}
	var list struct {
		Deliveries []struct{ Name, Origin string }
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		return nil, err
	}
	for _, d := range list.Deliveries {
		if d.Origin == "api" {
			have["rest "+d.Name] = true
		}
	}
	code, body, err = pcCall(base, "POST", "/", "ListDeliveryStreams", `{"Limit": 10000}`)
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("list delivery streams: %d %s %v", code, body, err)
	}
	var streams struct{ DeliveryStreamNames []string }
	if err := json.Unmarshal([]byte(body), &streams); err != nil {
		return nil, err
	}
	for _, n := range streams.DeliveryStreamNames {
		have["hub "+n] = true
	}
	return have, nil
}

func TestPowerCutDefinitions(t *testing.T) {
	p := &pcDefinitions{want: map[string]bool{}}
	st := powercut.Run(t, powercut.Workload{
		Child:   "TestPowerCutDefinitionsChild",
		Cycles:  20,
		MaxAcks: 40,
		MaxWait: 1500 * time.Millisecond,
		Tear:    true,
		Check:   func(cy *powercut.Cycle) error { return p.check(t, cy) },
	})
	if len(p.want) == 0 {
		t.Fatal("no definition was acknowledged: the test tested nothing")
	}
	t.Logf("%d definitions acknowledged created or deleted", len(p.want))
	t.Logf("definitions power-cut test: %v", st)
}
