package query

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/shards"
)

func selectRows(t *testing.T, m *Manager, sql string) []string {
	t.Helper()
	p, err := m.Prepare(sql, OriginAPI, false)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var rows []string
	if err := m.Select(context.Background(), p.Select, func(row []byte) error {
		rows = append(rows, string(row))
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func TestSelectOverHistory(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 2)
	put(t, s, "a", reading("a", 20, 1), reading("a", 30, 2))
	put(t, s, "b", reading("b", 5, 3))
	rows := selectRows(t, m, `SELECT device, AVG(temp) AS a FROM sensors GROUP BY device ORDER BY device`)
	if want := []string{`{"device":"a","a":25}`, `{"device":"b","a":5}`}; !slices.Equal(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	// A SESSION window runs in the operators over the history, flushed at its end.
	rows = selectRows(t, m, `CREATE STREAM r (device STRING, temp DOUBLE, ts TIMESTAMP) WITH (source = 'sensors', timestamp = 'ts');
		SELECT device, COUNT(*) AS n FROM r GROUP BY device, SESSION(ts, INTERVAL '10' SECOND)`)
	slices.Sort(rows)
	if want := []string{`{"device":"a","n":2}`, `{"device":"b","n":1}`}; !slices.Equal(rows, want) {
		t.Errorf("sessions %v, want %v", rows, want)
	}
}

func TestSelectCancelled(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	for range 20 {
		var data []string
		for i := range 500 {
			data = append(data, reading("a", float64(i), i))
		}
		put(t, s, "a", data...)
	}
	p, err := m.Prepare(`SELECT temp FROM sensors`, OriginAPI, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = m.Select(ctx, p.Select, func([]byte) error {
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 1000 {
		t.Errorf("after %d rows: %v", n, err)
	}
}

func TestFollow(t *testing.T) {
	m, st := testManager(t)
	s := mustStream(t, st, "sensors", 1)
	put(t, s, "a", reading("a", 1, 1))
	p, err := m.Prepare(`SELECT temp FROM sensors WHERE temp > 2`, OriginAPI, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- m.Follow(ctx, p.Select, func(row []byte) error { rows <- string(row); return nil })
	}()
	time.Sleep(100 * time.Millisecond) // it starts at the tips: the first reading is behind it
	put(t, s, "a", reading("a", 3, 3), reading("a", 1, 4), reading("a", 5, 5))
	for _, want := range []string{`{"temp":3}`, `{"temp":5}`} {
		if got := <-rows; got != want {
			t.Errorf("row %s, want %s", got, want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("follow ended with %v", err)
	}
}

// What the API defines survives a restart; DROP forgets it.
func TestExecKeepsDefinitions(t *testing.T) {
	dir := t.TempDir()
	st, err := shards.Open(filepath.Join(dir, "shards"), shards.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustStream(t, st, "sensors", 1)
	start := func() *Manager {
		m := &Manager{Store: st, Dir: filepath.Join(dir, "queries")}
		if err := m.Initialize(); err != nil {
			t.Fatal(err)
		}
		if err := m.LoadAPI(context.Background()); err != nil {
			t.Fatal(err)
		}
		m.Run()
		return m
	}
	m := start()
	p, err := m.Prepare(`CREATE STREAM r (temp DOUBLE) WITH (source = 'sensors');
		CREATE QUERY q AS INSERT INTO o SELECT temp FROM r WHERE temp > 1`, OriginAPI, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Exec(context.Background(), p)
	if err != nil || !slices.Equal(res.Declared, []string{"r"}) || !slices.Equal(res.Created, []string{"q"}) {
		t.Fatalf("exec: %+v %v", res, err)
	}
	if _, err := m.Exec(context.Background(), p); !errors.Is(err, ErrExists) {
		t.Errorf("created twice: %v", err)
	}
	m.Close()
	m = start()
	if d, ok := m.Definition("q"); !ok || d.Origin != OriginAPI {
		t.Fatalf("q after a restart: %v", d)
	}
	p, err = m.Prepare(`DROP STREAM r`, OriginAPI, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Exec(context.Background(), p); err == nil || !strings.Contains(err.Error(), "read by query q") {
		t.Errorf("dropping a stream a query reads: %v", err)
	}
	p, _ = m.Prepare(`DROP QUERY q; DROP STREAM r`, OriginAPI, false)
	if _, err := m.Exec(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	m.Close()
	m = start()
	defer m.Close()
	if _, ok := m.Definition("q"); ok {
		t.Error("q is back after DROP and a restart")
	}
	if _, ok := m.Catalog().Declared("r"); ok {
		t.Error("r is back after DROP and a restart")
	}
}

func TestReconcile(t *testing.T) {
	m, st := testManager(t)
	mustStream(t, st, "sensors", 1)
	ctx := context.Background()
	err := m.Reconcile(ctx, []string{
		`CREATE STREAM r (temp DOUBLE) WITH (source = 'sensors')`,
		`CREATE QUERY a AS INSERT INTO oa SELECT temp FROM r; CREATE QUERY b AS INSERT INTO ob SELECT temp FROM r`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("queries %v", got)
	}
	keyA, _ := m.Definition("a")
	// b changes, a stays, and the API cannot take the file's names.
	if err := m.Reconcile(ctx, []string{
		`CREATE STREAM r (temp DOUBLE) WITH (source = 'sensors'); CREATE QUERY a AS INSERT INTO oa SELECT temp FROM r`,
	}); err != nil {
		t.Fatal(err)
	}
	if got := m.Names(); !slices.Equal(got, []string{"a"}) {
		t.Errorf("queries after b was removed: %v", got)
	}
	if d, _ := m.Definition("a"); d != keyA {
		t.Error("an unchanged query was restarted")
	}
	p, _ := m.Prepare(`DROP QUERY a`, OriginAPI, false)
	if _, err := m.Exec(ctx, p); !errors.Is(err, ErrOrigin) {
		t.Errorf("the API dropped the file's query: %v", err)
	}
	// A script that does not plan is reported with its index; the others apply.
	err = m.Reconcile(ctx, []string{`CREATE QUERY a AS INSERT INTO oa SELECT tmp FROM sensors2`, `CREATE QUERY c AS INSERT INTO oc SELECT temp FROM sensors`})
	if err == nil || !strings.Contains(err.Error(), "queries[0]: line 1") {
		t.Errorf("error %v", err)
	}
	if got := m.Names(); !slices.Equal(got, []string{"c"}) {
		t.Errorf("queries %v", got)
	}
}

func TestCheckConfigScripts(t *testing.T) {
	errs := Check(planLimitsZero(), []string{
		`CREATE STREAM r (temp DOUBLE, ts TIMESTAMP) WITH (source = 'sensors', timestamp = 'ts')`,
		`CREATE QUERY q AS INSERT INTO o SELECT tmp FROM r`,
		`CREATE QUERY g AS INSERT INTO o SELECT COUNT(*) FROM r GROUP BY temp`,
		`SELECT temp FROM r`,
	})
	for i, want := range map[int]string{1: "unknown column tmp", 2: "window", 3: "no place in the configuration"} {
		if errs[i] == nil || !strings.Contains(errs[i].Error(), want) {
			t.Errorf("script %d: %v, want %q", i, errs[i], want)
		}
	}
	if errs[0] != nil {
		t.Errorf("script 0: %v", errs[0])
	}
}
