package mqtt

import (
	"strconv"
	"sync"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mochi-mqtt/server/v2/system"
)

// sessionStore is mochi's bbolt storage hook minus two writes that cost an
// fsync each without protecting anything:
//   - mochi reports the PUBREC of every inbound QoS 2 PUBLISH as an
//     "inflight" message (OnQosPublish, OnQosComplete at the PUBREL): the
//     message itself is durable in its stream by then. (Inbound QoS 1 is
//     acknowledged by our pipeline, which mochi does not see.)
//   - $SYS statistics, written every second (flash wear).
//
// Outbound QoS 1/2 messages to persistent subscribers are still stored.
type sessionStore struct {
	*bolt.Hook
	mu     sync.Mutex
	stored map[string]bool // client id + packet id of outbound messages kept
}

func addSessionStore(srv *mochi.Server, path string) error {
	h := &sessionStore{Hook: new(bolt.Hook), stored: map[string]bool{}}
	return srv.AddHook(h, &bolt.Options{Path: path})
}

func inflightID(clientID string, id uint16) string {
	return clientID + "/" + strconv.Itoa(int(id))
}

func (h *sessionStore) OnQosPublish(cl *mochi.Client, pk packets.Packet, sent int64, resends int) {
	if pk.FixedHeader.Type != packets.Publish {
		return
	}
	h.mu.Lock()
	h.stored[inflightID(cl.ID, pk.PacketID)] = true
	h.mu.Unlock()
	h.Hook.OnQosPublish(cl, pk, sent, resends)
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

// StoredInflightMessages reloads outbound messages and remembers them, so
// that their completion deletes them.
func (h *sessionStore) StoredInflightMessages() ([]storage.Message, error) {
	v, err := h.Hook.StoredInflightMessages()
	h.mu.Lock()
	for _, m := range v {
		h.stored[inflightID(m.Client, m.PacketID)] = true
	}
	h.mu.Unlock()
	return v, err
}

func (h *sessionStore) OnQosComplete(cl *mochi.Client, pk packets.Packet) {
	if h.forget(cl.ID, pk.PacketID) {
		h.Hook.OnQosComplete(cl, pk)
	}
}

func (h *sessionStore) OnQosDropped(cl *mochi.Client, pk packets.Packet) {
	if h.forget(cl.ID, pk.PacketID) {
		h.Hook.OnQosDropped(cl, pk)
	}
}

func (h *sessionStore) OnSysInfoTick(*system.Info) {}

// StoredSysInfo has nothing to load: $SYS statistics are never stored (and
// mochi's hook would log the missing key as an error at every start).
func (h *sessionStore) StoredSysInfo() (storage.SystemInfo, error) { return storage.SystemInfo{}, nil }
