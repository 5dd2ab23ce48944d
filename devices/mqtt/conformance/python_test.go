package conformance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/peer"
)

// pyProcess runs testdata/client.py, which serves every Python
// connection of a scenario run.
type pyProcess struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Scanner
	n   int // connections named so far
}

func startPython(t *testing.T) *pyProcess {
	py := peer.PythonPaho(t)
	cmd := exec.Command(py, filepath.Join("testdata", "client.py"))
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	return &pyProcess{in: in, out: bufio.NewScanner(stdout)}
}

// pyClient drives one connection of Debian's python3-paho-mqtt.
type pyClient struct {
	p        *pyProcess
	conn     string
	addr, id string
	version  byte
}

func newPy(p *pyProcess, addr, id string, version byte) *pyClient {
	p.mu.Lock()
	p.n++
	conn := fmt.Sprint(p.n)
	p.mu.Unlock()
	return &pyClient{p: p, conn: conn, addr: addr, id: id, version: version}
}

// call sends one command and decodes its answer into v.
func (p *pyClient) call(cmd map[string]any, v any) error {
	cmd["conn"] = p.conn
	b, _ := json.Marshal(cmd)
	p.p.mu.Lock()
	defer p.p.mu.Unlock()
	if _, err := p.p.in.Write(append(b, '\n')); err != nil {
		return err
	}
	if !p.p.out.Scan() {
		return fmt.Errorf("client.py ended: %v", p.p.out.Err())
	}
	return json.Unmarshal(p.p.out.Bytes(), v)
}

func (p *pyClient) connect(o connOpts) string {
	host, port, _ := net.SplitHostPort(p.addr)
	portN, _ := strconv.Atoi(port)
	ka := o.keepalive
	if ka == 0 {
		ka = 30
	}
	cmd := map[string]any{"op": "connect", "id": p.id, "version": p.version, "host": host, "port": portN,
		"clean": o.clean, "keepalive": ka, "receiveMax": o.receiveMax, "maxPacket": o.maxPacket, "aliasMax": o.aliasMax}
	if o.expiry != nil {
		cmd["expiry"] = *o.expiry
	}
	if w := o.will; w != nil {
		cmd["will"] = map[string]any{"topic": w.topic, "payload": w.payload, "qos": w.qos, "retain": w.retain, "delay": w.delay}
	}
	var res struct{ SP, RC *int }
	if err := p.call(cmd, &res); err != nil || res.RC == nil {
		return fmt.Sprintf("connect error %v", err)
	}
	return connackLine(*res.SP == 1, byte(*res.RC))
}

func (p *pyClient) subscribe(subs ...sub) string {
	var list []map[string]any
	for _, s := range subs {
		list = append(list, map[string]any{"filter": s.filter, "qos": s.qos, "noLocal": s.noLocal, "rap": s.rap, "rh": s.rh})
	}
	var res struct{ Codes []byte }
	if err := p.call(map[string]any{"op": "subscribe", "subs": list}, &res); err != nil {
		return fmt.Sprintf("suback error %v", err)
	}
	return codesLine("suback", res.Codes)
}

func (p *pyClient) unsubscribe(filters ...string) string {
	var res struct{ Codes []byte }
	if err := p.call(map[string]any{"op": "unsubscribe", "filters": filters}, &res); err != nil {
		return fmt.Sprintf("unsuback error %v", err)
	}
	return codesLine("unsuback", res.Codes)
}

func (p *pyClient) publish(m msg) string {
	cmd := map[string]any{"op": "publish", "topic": m.topic, "payload": m.payload, "qos": m.qos, "retain": m.retain}
	if m.expiry != nil {
		cmd["expiry"] = *m.expiry
	}
	var res struct{ Acked bool }
	if err := p.call(cmd, &res); err != nil {
		return fmt.Sprintf("publish error %v", err)
	}
	switch {
	case m.qos == 0:
		return ""
	case res.Acked:
		return "puback"
	}
	return "no ack"
}

func (p *pyClient) received(quiet time.Duration) []string {
	var res struct{ Msgs [][]any }
	if err := p.call(map[string]any{"op": "received", "quiet": quiet.Seconds()}, &res); err != nil {
		return []string{fmt.Sprintf("received error %v", err)}
	}
	var out []string
	for _, m := range res.Msgs {
		num := func(i int) bool { return m[i].(float64) != 0 }
		out = append(out, publishLine(m[0].(string), []byte(m[1].(string)), byte(m[2].(float64)), num(3), num(4)))
	}
	return out
}

func (p *pyClient) disconnect() { _ = p.call(map[string]any{"op": "disconnect"}, &struct{}{}) }

func (p *pyClient) drop() { _ = p.call(map[string]any{"op": "drop"}, &struct{}{}) }

func (p *pyClient) ended(wait time.Duration) string {
	var res struct{ End string }
	if err := p.call(map[string]any{"op": "ended", "wait": wait.Seconds()}, &res); err != nil {
		return fmt.Sprintf("ended error %v", err)
	}
	return res.End
}
