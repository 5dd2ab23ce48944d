package camera

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
)

// push publishes to o.Push until ctx ends, starting again a second after
// each failure, as a camera configured to push does.
func push(ctx context.Context, o Options, src *source) error {
	u, err := base.ParseURL(o.Push)
	if err != nil {
		return fmt.Errorf("camera: push URL: %w", err)
	}
	if o.Username != "" && u.User == nil {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	masked := (*url.URL)(u).Redacted()
	ready := o.Ready
	for {
		err := pushOnce(ctx, o, src, u, &ready)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.Logger.Warn("camera push failed; again in a second", "url", masked, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func pushOnce(ctx context.Context, o Options, src *source, u *base.URL, ready *func(string)) error {
	transport := gortsplib.TransportTCP
	if o.Transport == "udp" {
		transport = gortsplib.TransportUDP
	}
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &transport, UserAgent: "firmware-sim camera",
		DisableRTCPSenderReports: true} // see serve
	if err := c.StartRecording(u.String(), src.desc); err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()
	o.Logger.Info("camera pushing", "url", (*url.URL)(u).Redacted(), "codec", o.Codec)
	src.restart()
	if *ready != nil {
		(*ready)(u.String())
		*ready = nil
	}
	var lastReport time.Time
	for {
		pkts, at, err := src.next(ctx)
		if err != nil {
			return err
		}
		for _, p := range pkts {
			if err := c.WritePacketRTPWithNTP(src.media, p, at); err != nil {
				return err
			}
		}
		src.ssrc = pkts[len(pkts)-1].SSRC
		if at.Sub(lastReport) >= time.Second {
			lastReport = at
			if err := c.WritePacketRTCP(src.media, src.senderReport()); err != nil {
				return err
			}
		}
	}
}
