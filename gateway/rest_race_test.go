package gateway

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestRESTCreateOfOneNameRacing: of concurrent POSTs of one delivery name exactly one
// is created and the others get 409; the winner's definition file stays, so that every
// delivery comes back after a restart. The loser used to remove the file the winner
// had just written.
func TestRESTCreateOfOneNameRacing(t *testing.T) {
	cfg := testConfig(t, "streams:\n  - { name: sensors }\n")
	g := startGateway(t, cfg)
	url := "http://" + g.Addr().String() + "/api/v1/deliveries"
	const rounds, racers = 40, 6
	for i := range rounds {
		name := fmt.Sprintf("race-%d", i)
		body := fmt.Sprintf(`{"name": %q, "from": "sensors", "to": {"type": "file", "dir": %q}}`, name, t.TempDir())
		codes := make(chan int, racers)
		var start, wg sync.WaitGroup
		start.Add(1)
		for range racers {
			wg.Go(func() {
				start.Wait()
				resp, err := http.Post(url, "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes <- resp.StatusCode
			})
		}
		start.Done()
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[http.StatusCreated] != 1 || count[http.StatusConflict] != racers-1 {
			t.Fatalf("round %d: statuses %v, want one 201 and %d 409", i, count, racers-1)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "uplink", "api", name+".json")); err != nil {
			t.Fatalf("round %d: the created delivery's definition is gone: %v", i, err)
		}
	}
	g.Shutdown(t.Context())
	g2 := startGateway(t, cfg)
	for i := range rounds {
		if _, err := g2.Deliveries().Status(fmt.Sprintf("race-%d", i)); err != nil {
			t.Errorf("after a restart: %v", err)
		}
	}
}
