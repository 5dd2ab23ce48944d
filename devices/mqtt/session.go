package mqtt

import (
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mochi-mqtt/server/v2/system"

	"github.com/tidegate/tidegate/internal/durable"
)

// sessionStore is mochi's bbolt storage hook minus two writes that cost an
// fsync each without protecting anything:
//   - mochi reports the PUBREC of every inbound QoS 2 PUBLISH as an
//     "inflight" message (OnQosPublish, OnQosComplete at the PUBREL): the
//     message itself is durable in its stream by then. (Inbound QoS 1 is
//     acknowledged by our pipeline, which mochi does not see.)
//   - $SYS statistics, written every second (flash wear).
//
// Outbound QoS 1/2 messages to persistent subscribers are still stored,
// and it mends what mochi's bbolt hook (v2.7.9) loses of them at a restart:
//   - it stores them without their packet id, so every message reloaded
//     for a client had id 0: one overwrote the other in the client's
//     inflight map, the survivor was resent with the invalid id 0, and
//     its acknowledgement deleted no record. The id is in the record's
//     key, which it is read back from.
//   - it stores an MQTT 5 session's expiry interval without the flag that
//     tells mochi to use it, so a reloaded session never expired.
//   - an inbound QoS 2 message's completion (PUBREL, under the client's
//     identifier) deleted the outbound message stored under the same
//     identifier, as mochi reports both alike (processPubrel).
//
// It also keeps which messages were sent (dupHook) across a graceful
// restart: writing it as each is sent would cost a write per message, so
// it is written at Stop, and a message reloaded after a crash is sent
// again without DUP even if it had been sent before.
type sessionStore struct {
	*bolt.Hook
	srv      *mochi.Server
	dup      *dupHook
	mu       sync.Mutex
	stored   map[string]bool // client id + packet id of outbound messages kept
	restored map[string]bool // client ids of the sessions reloaded at Start
}

// sessionFile is the session store's file in the session directory.
const sessionFile = "mqtt-sessions.db"

// addSessionStore opens the session store in dir, making both durable:
// bbolt syncs the file's content but not its name, nor does anything sync
// the directory's name in its parent, and a power cut forgets a name
// never synced with everything behind it: every session, subscription
// and retained message, SUBACKed and PUBACKed as they were.
func addSessionStore(srv *mochi.Server, dir string, dup *dupHook) error {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	h := &sessionStore{Hook: new(bolt.Hook), srv: srv, dup: dup, stored: map[string]bool{}, restored: map[string]bool{}}
	if err := srv.AddHook(h, &bolt.Options{Path: filepath.Join(dir, sessionFile)}); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

func inflightID(clientID string, id uint16) string {
	return clientID + "/" + strconv.Itoa(int(id))
}

// OnQosPublish stores an outbound message. A resend of one stored already
// (mochi sets DUP on those) is not written again: the record is the same
// but for DUP, which mochi sets on every message it reloads.
func (h *sessionStore) OnQosPublish(cl *mochi.Client, pk packets.Packet, sent int64, resends int) {
	if pk.FixedHeader.Type != packets.Publish {
		return
	}
	k := inflightID(cl.ID, pk.PacketID)
	h.mu.Lock()
	again := pk.FixedHeader.Dup && h.stored[k]
	h.stored[k] = true
	h.mu.Unlock()
	if !again {
		h.Hook.OnQosPublish(cl, pk, sent, resends)
	}
}

// forget reports whether an outbound message was stored, forgetting it.
func (h *sessionStore) forget(clientID string, id uint16) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := inflightID(clientID, id)
	if h.stored[k] {
		delete(h.stored, k)
		return true
	}
	return false
}

// StoredClients reloads the sessions and notes which of them mochi keeps,
// the others (clean session, MQTT 5 expiry 0) being over.
func (h *sessionStore) StoredClients() ([]storage.Client, error) {
	v, err := h.Hook.StoredClients()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range v {
		c := &v[i]
		if c.ProtocolVersion == 5 {
			// An MQTT 5 client that sent no expiry has 0, which ends
			// its session here; else this is the interval it asked for.
			c.Properties.SessionExpiryIntervalFlag = true
		}
		over := (c.ProtocolVersion == 5 && c.Properties.SessionExpiryInterval == 0) || (c.ProtocolVersion < 5 && c.Clean)
		if !over {
			h.restored[c.ID] = true
		}
	}
	return v, err
}

// StoredInflightMessages reloads the outbound messages of the sessions
// that StoredClients restored, with their packet ids, and remembers them
// so that their completion deletes them. mochi reads clients first
// (server.go, readStore). Records of a session that is over, and those
// without a valid packet id (the resends of reloaded messages with id 0
// that earlier versions wrote), are deleted.
func (h *sessionStore) StoredInflightMessages() ([]storage.Message, error) {
	v, err := h.Hook.StoredInflightMessages()
	keep := v[:0]
	var drop []storage.Message
	h.mu.Lock()
	for _, m := range v {
		if m.PacketID == 0 {
			m.PacketID = packetIDOfKey(m.ID)
		}
		if m.PacketID == 0 || !h.restored[m.Client] {
			drop = append(drop, m)
			continue
		}
		h.stored[inflightID(m.Client, m.PacketID)] = true
		if m.FixedHeader.Dup {
			h.dup.markSent(m.Client, m.PacketID)
		}
		keep = append(keep, m)
	}
	h.mu.Unlock()
	for _, m := range drop {
		// Only the client id and packet id make the record's key.
		h.Hook.OnQosComplete(&mochi.Client{ID: m.Client}, packets.Packet{PacketID: m.PacketID})
	}
	return keep, err
}

// packetIDOfKey returns the packet id that ends an inflight record's key
// ("IFM_" client ":" id, bolt.go inflightKey), or 0.
func packetIDOfKey(key string) uint16 {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return 0
	}
	id, err := strconv.ParseUint(key[i+1:], 10, 16)
	if err != nil {
		return 0
	}
	return uint16(id)
}

// OnQosComplete deletes an acknowledged outbound message. A PUBREL
// completes an inbound one, which is not stored.
func (h *sessionStore) OnQosComplete(cl *mochi.Client, pk packets.Packet) {
	if pk.FixedHeader.Type == packets.Pubrel {
		return
	}
	if h.forget(cl.ID, pk.PacketID) {
		h.Hook.OnQosComplete(cl, pk)
	}
}

// OnQosDropped deletes a dropped message, except those the connection
// whose session is taken over drops: mochi copied them to the new one
// first, which resends them (inheritClientSession). Deleting and storing
// them again would cost two writes each and lose them in a crash between.
func (h *sessionStore) OnQosDropped(cl *mochi.Client, pk packets.Packet) {
	if cl.IsTakenOver() || pk.FixedHeader.Type == packets.Pubrel {
		return
	}
	if h.forget(cl.ID, pk.PacketID) {
		h.Hook.OnQosDropped(cl, pk)
	}
}

// Stop notes in the store which outbound messages were sent, then closes
// it. mochi calls it once its clients are disconnected (Server.Close).
func (h *sessionStore) Stop() error {
	for _, cl := range h.srv.Clients.GetAll() {
		for _, pk := range cl.State.Inflight.GetAll(false) {
			if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Dup || !h.dup.wasSent(cl.ID, pk.PacketID) {
				continue
			}
			h.mu.Lock()
			stored := h.stored[inflightID(cl.ID, pk.PacketID)]
			h.mu.Unlock()
			if stored {
				pk.FixedHeader.Dup = true
				h.Hook.OnQosPublish(cl, pk, pk.Created, 0)
			}
		}
	}
	return h.Hook.Stop()
}

func (h *sessionStore) OnSysInfoTick(*system.Info) {}

// StoredSysInfo has nothing to load: $SYS statistics are never stored (and
// mochi's hook would log the missing key as an error at every start).
func (h *sessionStore) StoredSysInfo() (storage.SystemInfo, error) { return storage.SystemInfo{}, nil }
