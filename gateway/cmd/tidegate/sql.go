package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// runSQL runs SQL against a running gateway (POST /api/v1/sql): the statement given, a
// script read from stdin ("-", or stdin that is not a terminal), or, with neither, an
// interactive shell. A SELECT prints its rows as a table (--json: one object per line);
// --follow keeps a continuous SELECT running until Ctrl-C. Other statements (CREATE
// STREAM, CREATE TABLE, CREATE QUERY, DROP) say what they did.
func runSQL(args []string) error {
	var c clientFlags
	fs := newFlagSet("sql", `[--json] [--follow] ["STATEMENTS" | -]`)
	c.register(fs)
	follow := fs.Bool("follow", false, "run the SELECT continuously, printing rows as they come (Ctrl-C stops)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0, 1); err != nil {
		return err
	}
	s := &sqlSession{c: &c, follow: *follow, out: os.Stdout}
	stdinTerminal := term.IsTerminal(int(os.Stdin.Fd()))
	if len(pos) == 0 && stdinTerminal {
		return s.shell()
	}
	script := ""
	if len(pos) == 1 && pos[0] != "-" {
		script = pos[0]
	} else {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		script = string(b)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = s.run(ctx, script)
	if ctx.Err() != nil {
		return nil // stopped with Ctrl-C
	}
	return err
}

// sqlSession sends scripts to a gateway and prints the answers.
type sqlSession struct {
	c      *clientFlags
	follow bool
	out    io.Writer
}

// sqlError is a statement the gateway refused, with where in the script.
type sqlError struct {
	Msg    string `json:"error"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	script string
}

// Error shows the message, then the line of the script it points at with a caret under
// the spot.
func (e *sqlError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	msg := fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	lines := strings.Split(e.script, "\n")
	if e.Line > len(lines) {
		return msg
	}
	line := strings.TrimRight(lines[e.Line-1], "\r")
	var caret strings.Builder
	for i, r := range []rune(line) {
		if i >= e.Column-1 {
			break
		}
		if r == '\t' {
			caret.WriteRune('\t')
		} else {
			caret.WriteRune(' ')
		}
	}
	return msg + "\n  " + line + "\n  " + caret.String() + "^"
}

// run sends one script and prints its answer.
func (s *sqlSession) run(ctx context.Context, script string) error {
	if strings.TrimSpace(script) == "" {
		return nil
	}
	u := strings.TrimSuffix(s.c.endpoint, "/") + "/api/v1/sql"
	if s.follow {
		u += "?follow=true"
	}
	body := []byte(script)
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/sql")
	if err := s.c.authorize(req, body); err != nil {
		return err
	}
	// The rows may take long to come (a large history, a follow): only the answer's
	// start is bounded by --timeout.
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: s.c.timeout, Proxy: http.ProxyFromEnvironment}}
	resp, err := client.Do(req)
	if u := unreachable(err); u != nil {
		return u
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		e := &sqlError{script: script}
		if json.Unmarshal(data, e) != nil || e.Msg == "" {
			return fmt.Errorf("POST /api/v1/sql: %s", resp.Status)
		}
		return e
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
		return s.rows(resp.Body)
	}
	var res struct {
		Declared []string `json:"declared"`
		Created  []string `json:"created"`
		Dropped  []string `json:"dropped"`
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if s.c.json {
		_, err := s.out.Write(append(bytes.TrimSpace(data), '\n'))
		return err
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("POST /api/v1/sql: %w", err)
	}
	for _, n := range res.Declared {
		fmt.Fprintf(s.out, "declared %s\n", n)
	}
	for _, n := range res.Created {
		fmt.Fprintf(s.out, "created query %s\n", n)
	}
	for _, n := range res.Dropped {
		fmt.Fprintf(s.out, "dropped %s\n", n)
	}
	return nil
}

// rowLine is a line of a streamed answer.
type rowLine struct {
	Columns []struct {
		Name string `json:"name"`
	} `json:"columns"`
	Row   json.RawMessage     `json:"row"`
	End   *struct{ Rows int } `json:"end"`
	Error string              `json:"error"`
}

// tableBatch is how many rows a table waits for to size its columns; rows after them
// widen a column when they must.
const tableBatch = 200

// rows prints a streamed answer: as a table, or each row's JSON with --json.
func (s *sqlSession) rows(body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var t *table
	var pending [][]string
	n := 0
	flush := func() {
		if t == nil {
			return
		}
		t.size(pending)
		for _, r := range pending {
			t.print(r)
		}
		pending = pending[:0]
	}
	for sc.Scan() {
		var l rowLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("the gateway's answer: %w", err)
		}
		switch {
		case l.Columns != nil:
			if s.c.json {
				continue
			}
			names := make([]string, len(l.Columns))
			for i, c := range l.Columns {
				names[i] = c.Name
			}
			t = newTable(s.out, names)
		case l.Row != nil:
			n++
			if s.c.json {
				fmt.Fprintf(s.out, "%s\n", l.Row)
				continue
			}
			if t == nil {
				return errors.New("the gateway's answer has rows before its columns")
			}
			pending = append(pending, t.cells(l.Row))
			if len(pending) >= tableBatch || s.follow {
				flush()
			}
		case l.Error != "":
			flush()
			return errors.New(l.Error)
		case l.End != nil:
			flush()
			if !s.c.json {
				if t != nil && !t.headed {
					t.size(nil)
				}
				word := "rows"
				if n == 1 {
					word = "row"
				}
				fmt.Fprintf(s.out, "(%d %s)\n", n, word)
			}
			return nil
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("the answer ended before its last line")
}

// table prints rows under their column names, columns as wide as their widest value so
// far.
type table struct {
	w      io.Writer
	names  []string
	widths []int
	headed bool
}

func newTable(w io.Writer, names []string) *table {
	t := &table{w: w, names: names, widths: make([]int, len(names))}
	for i, n := range names {
		t.widths[i] = utf8.RuneCountInString(n)
	}
	return t
}

// cells are a row's values as text, in the columns' order: strings as they are, NULL as
// NULL, other values as JSON.
func (t *table) cells(row json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(row, &m) != nil {
		return []string{string(row)}
	}
	out := make([]string, len(t.names))
	for i, n := range t.names {
		v, ok := m[n]
		switch {
		case !ok || string(v) == "null":
			out[i] = "NULL"
		case len(v) > 0 && v[0] == '"':
			var s string
			json.Unmarshal(v, &s)
			out[i] = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s)
		default:
			out[i] = string(v)
		}
	}
	return out
}

// size widens the columns for rows and prints the header once.
func (t *table) size(rows [][]string) {
	for _, r := range rows {
		for i := range min(len(r), len(t.widths)) {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	if t.headed {
		return
	}
	t.headed = true
	t.print(t.names)
	rule := make([]string, len(t.names))
	for i, w := range t.widths {
		rule[i] = strings.Repeat("-", w)
	}
	t.print(rule)
}

func (t *table) print(cells []string) {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(c)
		if i < len(cells)-1 && i < len(t.widths) {
			b.WriteString(strings.Repeat(" ", max(t.widths[i]-utf8.RuneCountInString(c), 0)))
		}
	}
	fmt.Fprintln(t.w, strings.TrimRight(b.String(), " "))
}

// shell reads statements at a prompt, with line editing and a history kept in
// ~/.tidegate_sql_history, until Ctrl-D or \q. A statement ends with ';' (or an empty line
// after it); Ctrl-C stops the query that runs, or drops the statement being typed.
func (s *sqlSession) shell() error {
	fd := int(os.Stdin.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return fmt.Errorf("sql shell: %w", err)
	}
	defer term.Restore(fd, state)
	screen := struct {
		io.Reader
		io.Writer
	}{os.Stdin, os.Stdout}
	t := term.NewTerminal(screen, "sql> ")
	if w, h, err := term.GetSize(fd); err == nil && w > 0 && h > 0 {
		t.SetSize(w, h)
	} else {
		t.SetSize(80, 24) // a terminal that does not say its size (script(1), a serial line)
	}
	hist := loadHistory()
	t.History = hist
	fmt.Fprintf(t, "tidegate sql on %s: end statements with ';', \\q or Ctrl-D quits\n", s.c.endpoint)
	var stmt strings.Builder
	for {
		line, err := t.ReadLine()
		if errors.Is(err, io.EOF) {
			if stmt.Len() == 0 {
				fmt.Fprintln(t)
				return nil
			}
			stmt.Reset() // Ctrl-D on a half-typed statement drops it
			t.SetPrompt("sql> ")
			continue
		}
		if err != nil {
			return err
		}
		if stmt.Len() == 0 && (strings.TrimSpace(line) == `\q` || strings.TrimSpace(line) == "exit" || strings.TrimSpace(line) == "quit") {
			return nil
		}
		stmt.WriteString(line + "\n")
		text := strings.TrimSpace(stmt.String())
		if text == "" {
			stmt.Reset()
			continue
		}
		if !strings.HasSuffix(text, ";") {
			t.SetPrompt("  -> ")
			continue
		}
		stmt.Reset()
		t.SetPrompt("sql> ")
		hist.save()
		// The query runs with the terminal as it was, so that Ctrl-C is a signal that
		// stops it, and its rows print as usual.
		term.Restore(fd, state)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		start := time.Now()
		err = s.run(ctx, text)
		interrupted := ctx.Err() != nil
		stop()
		if interrupted {
			fmt.Fprintln(os.Stderr, "stopped")
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
		} else if d := time.Since(start); d > time.Second {
			fmt.Fprintf(os.Stderr, "%.1fs\n", d.Seconds())
		}
		if _, err := term.MakeRaw(fd); err != nil {
			return err
		}
	}
}

// history is the shell's history of statements' lines, kept in a file between runs.
type history struct {
	lines []string // oldest first
	path  string
}

// maxHistory bounds the lines kept.
const maxHistory = 500

func loadHistory() *history {
	h := &history{}
	if home, err := os.UserHomeDir(); err == nil {
		h.path = home + "/.tidegate_sql_history"
		if b, err := os.ReadFile(h.path); err == nil {
			for l := range strings.SplitSeq(string(b), "\n") {
				if l != "" {
					h.lines = append(h.lines, l)
				}
			}
		}
	}
	return h
}

// Add, Len and At are term.History: At(0) is the newest line.
func (h *history) Add(line string) {
	if line == "" || len(h.lines) > 0 && h.lines[len(h.lines)-1] == line {
		return
	}
	h.lines = append(h.lines, line)
	if len(h.lines) > maxHistory {
		h.lines = h.lines[len(h.lines)-maxHistory:]
	}
}

func (h *history) Len() int { return len(h.lines) }

func (h *history) At(i int) string { return h.lines[len(h.lines)-1-i] }

// save writes the history; a home that cannot take it just has none.
func (h *history) save() {
	if h.path != "" {
		os.WriteFile(h.path, []byte(strings.Join(h.lines, "\n")+"\n"), 0o600)
	}
}
