package gateway

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/internal/durable"
	"github.com/tidegate/tidegate/uplink"
)

// maxDeliveryBody bounds a delivery definition sent to the REST API.
const maxDeliveryBody = 1 << 20

// deliveryView is a delivery as the REST API shows it: its status and where its
// definition lives.
type deliveryView struct {
	uplink.Status
	Origin string `json:"origin"`
}

// restDeliveries serves the deliveries of the REST API. Creates and deletes take mu
// for their whole run: each writes or removes the definition file of its delivery,
// DATA_DIR/uplink/api/NAME.json, which must not change under it. Without it, of two
// POSTs of one name, the loser removed the file the winner had just written, and the
// delivery was gone after a restart.
type restDeliveries struct {
	g  *Gateway
	mu sync.Mutex
}

func (g *Gateway) deliveryRoutes() []route {
	d := &restDeliveries{g: g}
	return []route{
		{"GET /api/v1/deliveries", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			list := g.uplink.List()
			out := make([]deliveryView, len(list))
			for i, st := range list {
				out[i] = deliveryView{Status: st, Origin: g.origins.get(st.Name)}
			}
			writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
		})},
		{"GET /api/v1/deliveries/{name}", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := g.uplink.Status(r.PathValue("name"))
			if err != nil {
				restError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, deliveryView{Status: st, Origin: g.origins.get(st.Name)})
		})},
		{"POST /api/v1/deliveries", accessGateway, http.HandlerFunc(d.create)},
		{"DELETE /api/v1/deliveries/{name}", accessGateway, http.HandlerFunc(d.delete)},
		{"POST /api/v1/deliveries/{name}/pause", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := g.uplink.Pause(r.PathValue("name")); err != nil {
				restError(w, err)
				return
			}
			st, _ := g.uplink.Status(r.PathValue("name"))
			writeJSON(w, http.StatusOK, st)
		})},
		{"POST /api/v1/deliveries/{name}/resume", accessGateway, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := g.uplink.Resume(r.PathValue("name")); err != nil {
				restError(w, err)
				return
			}
			st, _ := g.uplink.Status(r.PathValue("name"))
			writeJSON(w, http.StatusOK, st)
		})},
	}
}

func (d *restDeliveries) create(w http.ResponseWriter, r *http.Request) {
	g := d.g
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDeliveryBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": err.Error()})
		return
	}
	def, err := config.ParseDelivery("request body", body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	spec, err := def.Spec()
	if err != nil {
		restError(w, err)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if org := g.origins.get(def.Name); org != "" {
		writeJSON(w, http.StatusConflict, map[string]string{"error": fmt.Sprintf("delivery %q exists (defined by the %s)", def.Name, org)})
		return
	}
	// The directory is synced into its parent when made: a power cut would
	// forget it with every definition in it.
	err = durable.MkdirAll(g.restDeliveryDir(), 0o700)
	path := filepath.Join(g.restDeliveryDir(), def.Name+".json")
	if err == nil {
		err = durable.WriteFile(path, body, 0o600)
	}
	if err == nil {
		// The hub's Firehose API or a reload may have taken the name meanwhile:
		// then Create fails, and the file removed is this request's own.
		if err = g.uplink.Create(r.Context(), spec); err != nil {
			durable.Remove(path)
		}
	}
	if err != nil {
		restError(w, err)
		return
	}
	g.origins.set(def.Name, originREST)
	st, _ := g.uplink.Status(def.Name)
	writeJSON(w, http.StatusCreated, deliveryView{Status: st, Origin: originREST})
}

func (d *restDeliveries) delete(w http.ResponseWriter, r *http.Request) {
	g := d.g
	name := r.PathValue("name")
	d.mu.Lock()
	defer d.mu.Unlock()
	switch org := g.origins.get(name); org {
	case originREST:
	case "":
		restError(w, fmt.Errorf("%w: %q", uplink.ErrNotFound, name))
		return
	default:
		writeJSON(w, http.StatusConflict, map[string]string{"error": fmt.Sprintf("delivery %q is defined by the %s; remove it there", name, org)})
		return
	}
	if err := g.uplink.Delete(name); err != nil && !errors.Is(err, uplink.ErrNotFound) {
		restError(w, err)
		return
	}
	// Synced: a power cut must not bring the delivery back, defined again
	// at the next start.
	if err := durable.Remove(filepath.Join(g.restDeliveryDir(), name+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		restError(w, fmt.Errorf("delivery %q is stopped, and its definition could not be removed: %w", name, err))
		return
	}
	g.origins.set(name, "")
	w.WriteHeader(http.StatusNoContent)
}

func restError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, uplink.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, uplink.ErrExists):
		status = http.StatusConflict
	case errors.Is(err, uplink.ErrConfig):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
