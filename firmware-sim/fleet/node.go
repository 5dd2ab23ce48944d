package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"periph.io/x/conn/v3/physic"

	"github.com/tidegate/tidegate/firmware-sim/signal"
)

var errLinkDown = errors.New("fleet: broker connection lost")

// node is one simulated sensor: a generator filling the queue at the configured rate and a
// link publishing from it. Each runs in its own goroutine, started by Fleet.Run.
type node struct {
	id  string
	cfg *Config
	log *slog.Logger
	src *signal.Source
	q   *queue

	rng       *rand.Rand // backoff jitter, link goroutine
	genRng    *rand.Rand // rate jitter, generator goroutine
	generated atomic.Uint64
	published atomic.Uint64
	acked     atomic.Uint64
	dropped   atomic.Uint64
	highest   atomic.Uint64 // highest seq acknowledged
	genDone   chan struct{}

	// Sparkplug session state, owned by the link goroutine.
	bdSeq uint64
	spSeq byte
	last  reading
}

func newNode(cfg *Config, index int) *node {
	seed := cfg.Seed*1_000_003 + uint64(index)
	sc := signal.Defaults()
	phaseRng := rand.New(rand.NewPCG(seed, 1))
	sc.Phase = time.Duration(phaseRng.Int64N(int64(4*time.Hour))) - 2*time.Hour
	sc.Mean += physic.Temperature((phaseRng.Float64()*6 - 3) * float64(physic.Kelvin)) // ±3 K between nodes
	return &node{
		id:      fmt.Sprintf("node-%04d", index+1),
		cfg:     cfg,
		log:     cfg.Logger.With("device", fmt.Sprintf("node-%04d", index+1)),
		src:     signal.New(sc, seed),
		rng:     rand.New(rand.NewPCG(seed, 2)),
		genRng:  rand.New(rand.NewPCG(seed, 3)),
		q:       newQueue(cfg.QueueSize),
		genDone: make(chan struct{}),
	}
}

// generate produces readings until Count is reached or ctx ends.
func (n *node) generate(ctx context.Context) {
	defer close(n.genDone)
	var interval time.Duration
	if n.cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / n.cfg.Rate)
	}
	// Nodes power up at different moments: start somewhere in the first interval.
	t := time.NewTimer(time.Duration(n.genRng.Float64() * float64(interval)))
	defer t.Stop()
	for seq := uint64(1); n.cfg.Count == 0 || seq <= uint64(n.cfg.Count); seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n.generated.Add(1)
		if n.q.push(reading{seq: seq, sample: n.src.At(time.Now())}) {
			n.dropped.Add(1)
		}
		jitter := 1 + n.cfg.Jitter*(2*n.genRng.Float64()-1)
		t.Reset(time.Duration(float64(interval) * jitter))
	}
}

// link keeps a broker connection and drains the queue until the generator is done and the
// queue is empty, or ctx ends.
func (n *node) link(ctx context.Context) {
	backoff := n.cfg.ReconnectMin
	for ctx.Err() == nil {
		client, lost, err := n.connect()
		if err != nil {
			n.log.Debug("connect failed", "err", err, "retry_in", backoff)
			// Full jitter on the upper half, so a fleet does not reconnect in lockstep.
			wait := backoff/2 + time.Duration(n.rng.Int64N(int64(backoff/2)+1))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			backoff = min(2*backoff, n.cfg.ReconnectMax)
			continue
		}
		backoff = n.cfg.ReconnectMin
		err = n.drain(ctx, client, lost)
		if errors.Is(err, errLinkDown) {
			n.log.Info("broker connection lost", "queued", n.q.len())
			client.Disconnect(0)
			n.bdSeq = (n.bdSeq + 1) % 256 // the next session is a new birth
			continue
		}
		n.goodbye(client)
		return
	}
}

func (n *node) connect() (mqtt.Client, <-chan struct{}, error) {
	lost := make(chan struct{})
	opts := mqtt.NewClientOptions().
		AddBroker(n.cfg.Broker).
		SetClientID(n.id).
		SetUsername(n.cfg.Username).
		SetPassword(n.cfg.Password).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetConnectionLostHandler(func(mqtt.Client, error) { close(lost) })
	sparkplug := n.cfg.Format == FormatSparkplug
	now := uint64(time.Now().UnixMilli())
	if sparkplug {
		opts.SetBinaryWill(n.cfg.sparkplugTopic("NDEATH", n.id), ndeath(now, n.bdSeq), 1, false)
	}
	client := mqtt.NewClient(opts)
	tok := client.Connect()
	if !tok.WaitTimeout(6*time.Second) || tok.Error() != nil {
		client.Disconnect(0)
		if tok.Error() != nil {
			return nil, nil, tok.Error()
		}
		return nil, nil, errors.New("fleet: connect timed out")
	}
	n.log.Debug("connected", "broker", n.cfg.Broker)
	if sparkplug {
		n.spSeq = 0
		if err := n.wait(client.Publish(n.cfg.sparkplugTopic("NBIRTH", n.id), 0, false, nbirth(now, n.bdSeq, n.last)), lost, nil); err != nil {
			client.Disconnect(0)
			n.bdSeq = (n.bdSeq + 1) % 256
			return nil, nil, err
		}
	}
	return client, lost, nil
}

// drain publishes queued readings oldest-first, one in flight, removing each only once the
// broker has it (PUBACK for QoS 1, written for QoS 0).
func (n *node) drain(ctx context.Context, client mqtt.Client, lost <-chan struct{}) error {
	for {
		r, ok := n.q.peek()
		if !ok {
			select {
			case <-n.genDone:
				if n.q.len() == 0 {
					return nil
				}
			case <-n.q.notify:
			case <-lost:
				return errLinkDown
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		topic, payload := n.cfg.deviceTopic(n.id), []byte(nil)
		if n.cfg.Format == FormatSparkplug {
			n.spSeq++ // NBIRTH was 0; wraps 255 → 0 as the specification requires
			topic, payload = n.cfg.sparkplugTopic("NDATA", n.id), ndata(n.spSeq, r)
		} else {
			payload = encodeJSON(n.id, r)
		}
		n.published.Add(1)
		if err := n.wait(client.Publish(topic, n.cfg.QoS, false, payload), lost, ctx.Done()); err != nil {
			return err
		}
		n.q.remove(r.seq)
		n.last = r
		n.acked.Add(1)
		for h := n.highest.Load(); r.seq > h && !n.highest.CompareAndSwap(h, r.seq); h = n.highest.Load() {
		}
	}
}

func (n *node) wait(tok mqtt.Token, lost <-chan struct{}, done <-chan struct{}) error {
	timer := time.NewTimer(n.cfg.AckTimeout)
	defer timer.Stop()
	select {
	case <-tok.Done():
		if tok.Error() != nil {
			return fmt.Errorf("%w: %v", errLinkDown, tok.Error())
		}
		return nil
	case <-lost:
		return errLinkDown
	case <-timer.C:
		return fmt.Errorf("%w: no acknowledgement in %s", errLinkDown, n.cfg.AckTimeout)
	case <-done:
		return context.Canceled
	}
}

// goodbye ends the session: a Sparkplug node announces its death itself on a clean
// disconnect (the will is only for unclean ones).
func (n *node) goodbye(client mqtt.Client) {
	if n.cfg.Format == FormatSparkplug {
		tok := client.Publish(n.cfg.sparkplugTopic("NDEATH", n.id), 1, false, ndeath(uint64(time.Now().UnixMilli()), n.bdSeq))
		tok.WaitTimeout(time.Second)
	}
	client.Disconnect(250)
}
