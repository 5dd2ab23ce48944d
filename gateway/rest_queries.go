package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tidegate/tidegate/analytics/ast"
	"github.com/tidegate/tidegate/analytics/parser"
	"github.com/tidegate/tidegate/analytics/plan"
	"github.com/tidegate/tidegate/analytics/query"
)

// maxSQLBody bounds a script sent to the REST API.
const maxSQLBody = 1 << 20

// The queries of the REST API: /api/v1/queries lists, creates (a script of CREATE STREAM,
// CREATE TABLE and CREATE QUERY), describes, stops, starts and deletes continuous
// queries; /api/v1/sql runs any script, and streams the rows of a trailing ad-hoc SELECT
// back as JSON lines (with ?follow=true, continuously, until the request is closed).
func (g *Gateway) queryRoutes() []route {
	return []route{
		{"GET /api/v1/queries", accessGateway, http.HandlerFunc(g.listQueries)},
		{"POST /api/v1/queries", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.execSQL(w, r, false) })},
		{"GET /api/v1/queries/{name}", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := g.queries.Status(r.PathValue("name"))
			if err != nil {
				queryError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, st)
		})},
		{"POST /api/v1/queries/{name}/stop", accessGateway, g.queryAction((*query.Manager).Stop)},
		{"POST /api/v1/queries/{name}/start", accessGateway, g.queryAction((*query.Manager).Start)},
		{"DELETE /api/v1/queries/{name}", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := &query.Prepared{Drops: []*plan.Drop{{Object: ast.QueryObject, Name: r.PathValue("name")}}}
			if _, err := g.queries.Exec(r.Context(), p); err != nil {
				queryError(w, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})},
		{"POST /api/v1/sql", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.execSQL(w, r, true) })},
	}
}

// declarationView is a declared stream or table as the API lists it.
type declarationView struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	SQL    string `json:"sql"`
	Origin string `json:"origin"`
}

func (g *Gateway) listQueries(w http.ResponseWriter, r *http.Request) {
	decls := []declarationView{}
	for _, d := range g.queries.Catalog().List() {
		decls = append(decls, declarationView{Name: d.Source.Name, Kind: d.Source.Kind.String(), SQL: d.SQL, Origin: d.Origin})
	}
	list := g.queries.List()
	if list == nil {
		list = []query.Status{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"queries": list, "declarations": decls})
}

func (g *Gateway) queryAction(f func(*query.Manager, context.Context, string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := f(g.queries, r.Context(), name); err != nil {
			queryError(w, err)
			return
		}
		st, _ := g.queries.Status(name)
		writeJSON(w, http.StatusOK, st)
	})
}

// execSQL runs a script: its declarations, queries and drops are applied (and kept); a
// trailing SELECT (only where selects is set) streams its rows.
func (g *Gateway) execSQL(w http.ResponseWriter, r *http.Request, selects bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSQLBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
		return
	}
	script := string(body)
	if ct := r.Header.Get("Content-Type"); ct == "application/json" {
		var req struct {
			SQL string `json:"sql"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body is JSON but not {\"sql\": \"…\"}: " + err.Error()})
			return
		}
		script = req.SQL
	}
	follow, _ := strconv.ParseBool(r.URL.Query().Get("follow"))
	p, err := g.queries.Prepare(script, query.OriginAPI, follow)
	if err != nil {
		queryError(w, err)
		return
	}
	if p.Select != nil && !selects {
		queryError(w, &plan.Error{Pos: p.Select.Node.Pos(), Msg: "an ad-hoc SELECT goes to /api/v1/sql; this route creates queries"})
		return
	}
	res, err := g.queries.Exec(r.Context(), p)
	if err != nil {
		queryError(w, err)
		return
	}
	if p.Select == nil {
		status := http.StatusOK
		if len(res.Created)+len(res.Declared) > 0 {
			status = http.StatusCreated
		}
		writeJSON(w, status, res)
		return
	}
	g.streamRows(w, r, p.Select, follow)
}

// column is a result column as a streamed answer names it.
type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// streamRows answers with JSON lines: {"columns": […]}, then {"row": {…}} per result row,
// then {"end": {"rows": n}}, or {"error": "…"} if the query failed on the way. Rows are
// flushed as they come when following, else every 64 KiB; a closed request cancels the
// query.
func (g *Gateway) streamRows(w http.ResponseWriter, r *http.Request, q *plan.Query, follow bool) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	cols := make([]column, len(q.Output))
	for i, c := range q.Output {
		cols[i] = column{Name: c.Name, Type: c.Type.String()}
	}
	head, _ := json.Marshal(map[string]any{"columns": cols})
	bw.Write(append(head, '\n'))
	bw.Flush()
	rc.Flush()
	n := 0
	sink := func(row []byte) error {
		n++
		bw.WriteString(`{"row":`)
		bw.Write(row)
		bw.WriteString("}\n")
		if follow {
			if err := bw.Flush(); err != nil {
				return err
			}
			return rc.Flush()
		}
		return nil
	}
	var err error
	if follow {
		err = g.queries.Follow(r.Context(), q, sink)
	} else {
		err = g.queries.Select(r.Context(), q, sink)
	}
	if r.Context().Err() != nil {
		return // the caller went: nobody to tell
	}
	var tail []byte
	if err != nil {
		tail, _ = json.Marshal(map[string]any{"error": err.Error()})
	} else {
		tail, _ = json.Marshal(map[string]any{"end": map[string]any{"rows": n}})
	}
	bw.Write(append(tail, '\n'))
	bw.Flush()
	rc.Flush()
}

// sqlErrorView is a refused statement: the message and where it points in the script.
type sqlErrorView struct {
	Error  string `json:"error"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func queryError(w http.ResponseWriter, err error) {
	var pe *parser.Error
	var le *plan.Error
	switch {
	case errors.As(err, &pe):
		writeJSON(w, http.StatusBadRequest, sqlErrorView{Error: pe.Msg, Line: pe.Pos.Line, Column: pe.Pos.Column})
	case errors.As(err, &le):
		writeJSON(w, http.StatusBadRequest, sqlErrorView{Error: le.Msg, Line: le.Pos.Line, Column: le.Pos.Column})
	case errors.Is(err, query.ErrNotFound):
		writeJSON(w, http.StatusNotFound, sqlErrorView{Error: err.Error()})
	case errors.Is(err, query.ErrExists), errors.Is(err, query.ErrOrigin):
		writeJSON(w, http.StatusConflict, sqlErrorView{Error: err.Error()})
	default:
		writeJSON(w, http.StatusInternalServerError, sqlErrorView{Error: err.Error()})
	}
}
