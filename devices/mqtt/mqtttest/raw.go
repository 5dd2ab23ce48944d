// Package mqtttest is a raw MQTT client for tests: it sends exactly the
// packets it is given, malformed ones included, and reports every packet
// it receives with every field (DUP, packet identifier, properties), which
// the client libraries handle or hide. Tests use it to hold
// acknowledgements back, to look at what a broker sends on the wire, and
// to send what no well-behaved client sends.
package mqtttest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// Conn is one raw MQTT connection.
type Conn struct {
	c       net.Conn
	r       *bufio.Reader
	version byte // 4 (3.1.1) or 5
}

// Dial connects to addr to speak MQTT version (4 for 3.1.1, or 5).
func Dial(addr string, version byte) (*Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("mqtttest: dial %s: %w", addr, err)
	}
	return &Conn{c: c, r: bufio.NewReader(c), version: version}, nil
}

// Close closes the connection without a DISCONNECT, as a client that dies.
func (c *Conn) Close() error { return c.c.Close() }

// Send encodes pk in the connection's protocol version and writes it.
func (c *Conn) Send(pk packets.Packet) error {
	b, err := Encode(pk, c.version)
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// SendRaw writes bytes as they are.
func (c *Conn) SendRaw(b []byte) error {
	_, err := c.c.Write(b)
	return err
}

// Encode encodes pk in protocol version (4 or 5).
func Encode(pk packets.Packet, version byte) ([]byte, error) {
	pk.ProtocolVersion = version
	if pk.FixedHeader.Type == packets.Connect {
		pk.Connect.ProtocolName = []byte("MQTT")
	}
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Puback:
		err = pk.PubackEncode(&buf)
	case packets.Pubrec:
		err = pk.PubrecEncode(&buf)
	case packets.Pubrel:
		err = pk.PubrelEncode(&buf)
	case packets.Pubcomp:
		err = pk.PubcompEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	case packets.Unsubscribe:
		err = pk.UnsubscribeEncode(&buf)
	case packets.Pingreq:
		err = pk.PingreqEncode(&buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(&buf)
	default:
		err = fmt.Errorf("mqtttest: cannot send packet type %d", pk.FixedHeader.Type)
	}
	return buf.Bytes(), err
}

// ErrTimeout: no packet came within the time given.
var ErrTimeout = errors.New("mqtttest: no packet in time")

// Next returns the next packet received, ErrTimeout when none comes within
// wait, or io.EOF once the broker has closed the connection.
func (c *Conn) Next(wait time.Duration) (packets.Packet, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(wait))
	b, err := c.r.ReadByte()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return packets.Packet{}, ErrTimeout
		}
		if errors.Is(err, net.ErrClosed) || isReset(err) {
			return packets.Packet{}, io.EOF
		}
		return packets.Packet{}, err
	}
	// The rest of a packet that has begun comes at once.
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	pk := packets.Packet{ProtocolVersion: c.version}
	if err := pk.FixedHeader.Decode(b); err != nil {
		return pk, fmt.Errorf("mqtttest: fixed header: %w", err)
	}
	n, _, err := packets.DecodeLength(c.r)
	if err != nil {
		return pk, fmt.Errorf("mqtttest: remaining length: %w", err)
	}
	pk.FixedHeader.Remaining = n
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return pk, fmt.Errorf("mqtttest: body: %w", err)
	}
	switch pk.FixedHeader.Type {
	case packets.Connack:
		err = pk.ConnackDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Puback:
		err = pk.PubackDecode(body)
	case packets.Pubrec:
		err = pk.PubrecDecode(body)
	case packets.Pubrel:
		err = pk.PubrelDecode(body)
	case packets.Pubcomp:
		err = pk.PubcompDecode(body)
	case packets.Suback:
		err = pk.SubackDecode(body)
	case packets.Unsuback:
		err = pk.UnsubackDecode(body)
	case packets.Pingresp:
		err = pk.PingrespDecode(body)
	case packets.Disconnect:
		err = pk.DisconnectDecode(body)
		if len(body) > 0 {
			// MQTT 5 lets a DISCONNECT end after its reason code, which
			// mochi's decoder then misses.
			pk.ReasonCode = body[0]
		}
	default:
		err = fmt.Errorf("mqtttest: unexpected packet type %d", pk.FixedHeader.Type)
	}
	return pk, err
}

// Connect sends CONNECT and returns the CONNACK.
func (c *Conn) Connect(pk packets.Packet) (packets.Packet, error) {
	pk.FixedHeader.Type = packets.Connect
	if err := c.Send(pk); err != nil {
		return packets.Packet{}, err
	}
	ack, err := c.Next(5 * time.Second)
	if err != nil {
		return ack, fmt.Errorf("mqtttest: connack: %w", err)
	}
	if ack.FixedHeader.Type != packets.Connack {
		return ack, fmt.Errorf("mqtttest: got packet type %d, want CONNACK", ack.FixedHeader.Type)
	}
	return ack, nil
}

// Subscribe sends SUBSCRIBE with packet identifier id and returns the
// SUBACK, setting aside (into held) what else comes first.
func (c *Conn) Subscribe(id uint16, filters ...packets.Subscription) (ack packets.Packet, held []packets.Packet, err error) {
	err = c.Send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: id, Filters: filters})
	if err != nil {
		return ack, nil, err
	}
	for {
		pk, err := c.Next(5 * time.Second)
		if err != nil {
			return pk, held, fmt.Errorf("mqtttest: suback: %w", err)
		}
		if pk.FixedHeader.Type == packets.Suback {
			return pk, held, nil
		}
		held = append(held, pk)
	}
}

// Ack is the acknowledgement of a QoS 1 PUBLISH (PUBACK).
func Ack(id uint16) packets.Packet {
	return packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Puback}, PacketID: id}
}

// isReset reports a connection the broker reset rather than closed.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
