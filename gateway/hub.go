package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/goccy/go-yaml"

	"github.com/tidegate/tidegate/gateway/api/firehoseapi"
	"github.com/tidegate/tidegate/gateway/config"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/s3"
)

// startHub serves the Firehose API: delivery streams backed by local streams, whose
// destinations run as deliveries.
// Its delivery streams with an S3 destination write to the store of
// firehose.s3 (the configuration at start: a change takes a restart).
func (g *Gateway) startHub(cfg *config.Config) error {
	store := cfg.Firehose.S3
	hd := &hubDeliveries{g: g, restarting: true}
	g.hub = &firehoseapi.API{
		Store: g.store, Region: cfg.Kinesis.Region, AccountID: cfg.Kinesis.AccountID,
		DataDir: cfg.DataDir, Deliveries: hd, Destinations: hubDestinations(store),
		S3Region: store.Region, S3Endpoint: store.Endpoint, S3ForcePathStyle: store.ForcePathStyle,
		Auth: g.auth.verifyFirehose, Logger: g.logger, Metrics: g.reg.NewAPI("firehose"),
	}
	err := g.hub.Initialize()
	hd.restarting = false // before the listener serves any API call
	return err
}

// hubDeliveries is the uplink manager as the Firehose API needs it.
type hubDeliveries struct {
	g *Gateway
	// restarting: the API brings back the delivery streams it kept, and
	// one whose delivery cannot be built is held as failed (reported, not
	// refused); a CreateDeliveryStream that cannot build it is refused.
	restarting bool
}

func (h *hubDeliveries) CreateDelivery(spec uplink.Spec) error {
	if org := h.g.origins.get(spec.Name); org != "" && org != originFirehose {
		return fmt.Errorf("%w: %q (defined by the %s)", uplink.ErrExists, spec.Name, org)
	}
	if err := h.g.uplink.Create(context.Background(), spec); err != nil {
		if !h.restarting || errors.Is(err, uplink.ErrExists) || h.g.uplink.Hold(spec, err) != nil {
			return err
		}
	}
	h.g.origins.set(spec.Name, originFirehose)
	return nil
}

func (h *hubDeliveries) DeleteDelivery(name string) error {
	if h.g.origins.get(name) != originFirehose {
		return fmt.Errorf("%w: %q", uplink.ErrNotFound, name)
	}
	err := h.g.uplink.Delete(name)
	h.g.origins.set(name, "")
	if errors.Is(err, uplink.ErrNotFound) {
		return nil
	}
	return err
}

func (h *hubDeliveries) DeliveryStatus(name string) (uplink.Status, bool) {
	st, err := h.g.uplink.Status(name)
	return st, err == nil
}

// hubDestinations turns a delivery stream's destination into the
// configuration of the registered destination type of that name: the
// Firehose API's destinations carry the keys of a delivery's `to:` block.
// An S3 destination signs with the store's credentials when it has some.
func hubDestinations(store config.HubS3) firehoseapi.DestinationMapper {
	return func(d firehoseapi.Destination) (any, error) {
		t, ok := uplink.LookupDestination(d.Type())
		if !ok {
			return nil, fmt.Errorf("%s destinations are not supported by this hub", d.Type())
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		cfg := t.NewConfig()
		if err := yaml.UnmarshalWithOptions(b, cfg, yaml.DisallowUnknownField()); err != nil {
			return nil, fmt.Errorf("%s destination: %w", d.Type(), err)
		}
		if c, ok := cfg.(*s3.Config); ok && store.Credentials != nil {
			c.Credentials = credentials.NewStaticCredentialsProvider(store.Credentials.ID, store.Credentials.Secret.Value(), "")
		}
		return cfg, nil
	}
}
