package gateway

import (
	"encoding/json"
	"net/http"
)

// The REST API (/api/v1/…): what the gateway knows, for dashboards and the
// CLI. Errors are {"error": "..."} with a matching status.

func (g *Gateway) restRoutes() []route {
	return []route{
		{"GET /api/v1/status", accessGateway, http.HandlerFunc(g.serveStatus)},
		{"GET /api/v1/devices", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"devices": g.devices.List()})
		})},
		{"GET /api/v1/devices/{id...}", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, ok := g.devices.Get(r.PathValue("id"))
			if !ok {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no device " + r.PathValue("id")})
				return
			}
			writeJSON(w, http.StatusOK, d)
		})},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
