package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/shards"
)

const queriesYAML = `
streams:
  - name: sensors
queries:
  - sql: |
      CREATE STREAM readings (device STRING, temp DOUBLE) WITH (source = 'sensors');
      CREATE QUERY hot AS INSERT INTO alerts SELECT device, temp FROM readings WHERE temp > 30;
`

func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func putReadings(t *testing.T, g *Gateway, data ...string) {
	t.Helper()
	s, err := g.Store().Stream("sensors")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range data {
		if _, err := s.PutRecord(context.Background(), shards.PutEntry{PartitionKey: "k", Data: []byte(d)}); err != nil {
			t.Fatal(err)
		}
	}
}

func waitQuery(t *testing.T, g *Gateway, name string, ok func(query.Status) bool) query.Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := g.Queries().Status(name)
		if err == nil && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s: %+v %v", name, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQueriesFromConfigAndREST(t *testing.T) {
	g, _, reparse := startLogged(t, queriesYAML)
	base := "http://" + g.Addr().String()
	waitQuery(t, g, "hot", func(s query.Status) bool { return s.State == query.StateRunning })
	putReadings(t, g, `{"device":"a","temp":31}`, `{"device":"b","temp":20}`)
	waitQuery(t, g, "hot", func(s query.Status) bool { return s.Counters.RowsOut == 1 })

	// Created through the API: refused with a position, then created.
	code, body := send(t, "POST", base+"/api/v1/queries", "CREATE QUERY cold AS INSERT INTO chill\n  SELECT device FROM readings WHERE tmp < 5")
	if code != 400 || !strings.Contains(body, `"line":2`) || !strings.Contains(body, `"column":37`) || !strings.Contains(body, "unknown column tmp") {
		t.Errorf("bad query: %d %s", code, body)
	}
	code, body = send(t, "POST", base+"/api/v1/queries", "CREATE QUERY cold AS INSERT INTO chill SELECT device FROM readings WHERE temp < 25")
	if code != 201 || !strings.Contains(body, `"created":["cold"]`) {
		t.Fatalf("create: %d %s", code, body)
	}
	code, body = send(t, "GET", base+"/api/v1/queries", "")
	if code != 200 || !strings.Contains(body, `"name":"cold"`) || !strings.Contains(body, `"origin":"config"`) || !strings.Contains(body, `"declarations":[{"name":"readings"`) {
		t.Errorf("list: %d %s", code, body)
	}
	waitQuery(t, g, "cold", func(s query.Status) bool { return s.State == query.StateRunning })
	putReadings(t, g, `{"device":"c","temp":3}`)
	st := waitQuery(t, g, "cold", func(s query.Status) bool { return s.Counters.RowsOut == 1 })
	if len(st.Inputs) != 1 || st.Inputs[0].Stream != "sensors" || st.MemoryLimit < 0 {
		t.Errorf("describe: %+v", st)
	}
	if code, body = send(t, "POST", base+"/api/v1/queries/cold/stop", ""); code != 200 || !strings.Contains(body, `"state":"stopped"`) {
		t.Errorf("stop: %d %s", code, body)
	}
	if code, body = send(t, "POST", base+"/api/v1/queries/cold/start", ""); code != 200 {
		t.Errorf("start: %d %s", code, body)
	}
	// The file's query cannot be deleted here; the API's can.
	if code, body = send(t, "DELETE", base+"/api/v1/queries/hot", ""); code != 409 {
		t.Errorf("delete the file's query: %d %s", code, body)
	}
	if code, body = send(t, "DELETE", base+"/api/v1/queries/cold", ""); code != 204 {
		t.Errorf("delete: %d %s", code, body)
	}
	if code, _ = send(t, "GET", base+"/api/v1/queries/cold", ""); code != 404 {
		t.Errorf("describe after delete: %d", code)
	}
	// Metrics per query.
	if code, body = send(t, "GET", base+"/metrics", ""); !strings.Contains(body, `tidegate_query_rows_out_total{query="hot"} 1`) || !strings.Contains(body, `tidegate_query_state{query="hot",state="running"} 1`) {
		t.Errorf("metrics: %d %s", code, grepLines(body, "tidegate_query"))
	}
	// A reload changes the file's query.
	next := reparse(strings.Replace(queriesYAML, "temp > 30", "temp > 10", 1))
	if _, _, err := g.Reload(next); err != nil {
		t.Fatal(err)
	}
	if d, _ := g.Queries().Definition("hot"); !strings.Contains(d.SQL, "temp > 10") {
		t.Errorf("after reload: %s", d.SQL)
	}
}

func grepLines(text, word string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// An ad-hoc SELECT streams its rows; a follow streams until the request is closed.
func TestSQLEndpoint(t *testing.T) {
	g := startGateway(t, testConfig(t, "streams:\n  - name: sensors\n"))
	base := "http://" + g.Addr().String()
	putReadings(t, g, `{"device":"a","temp":31}`, `{"device":"b","temp":20}`, `{"device":"a","temp":33}`)
	code, body := send(t, "POST", base+"/api/v1/sql", "SELECT device, MAX(temp) AS m FROM sensors GROUP BY device ORDER BY device")
	want := `{"columns":[{"name":"device","type":"JSON"},{"name":"m","type":"JSON"}]}` + "\n" +
		`{"row":{"device":"a","m":33}}` + "\n" + `{"row":{"device":"b","m":20}}` + "\n"
	if code != 200 || !strings.HasPrefix(body, want) || !strings.Contains(body, `{"end":{"rows":2`) {
		t.Errorf("select: %d\n%s", code, body)
	}
	// Bad queries are refused when they are created, each with its position.
	for sql, want := range map[string]string{
		"SELECT device FROM sensors WHERE AVG(temp) > 3":                                                       "aggregate",
		"CREATE STREAM r (device STRING, temp DOUBLE) WITH (source = 'sensors'); SELECT device + 1 FROM r":     `"line":1`,
		"CREATE QUERY g AS INSERT INTO o SELECT device, COUNT(*) FROM sensors GROUP BY device":                 "without a window",
		"CREATE QUERY j AS INSERT INTO o SELECT a.device FROM sensors a JOIN sensors b ON a.device = b.device": "time bound",
		"CREATE STREAM d (temp DOUBLE) WITH (source = 'sensors'); SELECT tmp FROM d":                           "unknown column tmp",
	} {
		if code, body = send(t, "POST", base+"/api/v1/sql", sql); code != 400 || !strings.Contains(body, want) || !strings.Contains(body, `"column":`) {
			t.Errorf("%s: %d %s, want 400 with %q and a position", sql, code, body, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/sql?follow=true", strings.NewReader("SELECT temp FROM sensors"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), `{"columns"`) {
		t.Fatalf("follow head: %q", sc.Text())
	}
	putReadings(t, g, `{"device":"c","temp":7}`)
	if !sc.Scan() {
		t.Fatal("follow: no row")
	}
	var line struct {
		Row map[string]any `json:"row"`
	}
	if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Row["temp"] != 7.0 {
		t.Errorf("follow row %s: %v", sc.Text(), err)
	}
}
