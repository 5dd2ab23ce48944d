package gateway

import (
	"context"
	"path/filepath"

	"github.com/tidegate/tidegate/analytics/query"
	"github.com/tidegate/tidegate/gateway/config"
)

// startQueries starts the continuous queries: those the REST API defined (kept in
// DATA_DIR/queries/api) and those of the configuration file. A query that cannot start
// does not stop the gateway: its error is logged, and its status says it failed.
func (g *Gateway) startQueries(ctx context.Context, cfg *config.Config) error {
	g.queries = &query.Manager{Store: g.store, Dir: filepath.Join(cfg.DataDir, "queries"), Logger: g.logger}
	if err := g.queries.Initialize(); err != nil {
		return err
	}
	if err := g.reg.RegisterQueries(g.queries); err != nil {
		return err
	}
	if err := g.queries.LoadAPI(ctx); err != nil {
		g.logger.Error("queries defined through the API cannot start", "err", err)
	}
	if err := g.queries.Reconcile(ctx, cfg.Scripts()); err != nil {
		g.logger.Error("queries of the configuration cannot start", "err", err)
	}
	g.queries.Run()
	return nil
}

// reconcileQueries applies the queries of a reloaded configuration.
func (g *Gateway) reconcileQueries(next *config.Config) error {
	if g.queries == nil {
		return nil
	}
	return g.queries.Reconcile(context.Background(), next.Scripts())
}

// Queries is the continuous-query manager.
func (g *Gateway) Queries() *query.Manager { return g.queries }

func (g *Gateway) closeQueries() {
	if g.queries != nil {
		g.queries.Close() // each pump checkpoints as it stops
	}
}
