"""MQTT connections of Debian's python3-paho-mqtt (1.6), driven by the
conformance test: a JSON command per line on stdin, naming its connection,
and a JSON answer per line on stdout. One process serves all the
connections of a scenario run: starting Python for each costs more than
the scenario."""
import json
import socket
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.subscribeoptions import SubscribeOptions


def code(rc):
    return rc if isinstance(rc, int) else rc.value


def answer(v):
    sys.stdout.write(json.dumps(v) + "\n")
    sys.stdout.flush()


class Conn:
    def __init__(self):
        self.lock = threading.Lock()
        self.msgs, self.last, self.ended = [], 0.0, None
        self.c, self.v5 = None, False

    def on_message(self, c, u, m):
        with self.lock:
            self.msgs.append([m.topic, m.payload.decode("utf-8", "replace"), m.qos, int(m.retain), int(m.dup)])
            self.last = time.time()

    def on_disconnect(self, c, u, rc, props=None):
        # A DISCONNECT from an MQTT 5 broker comes with its reason code; a
        # closed connection with an error number.
        with self.lock:
            if self.ended is None:
                self.ended = "closed" if isinstance(rc, int) else "disconnect rc=%d" % rc.value

    def connect(self, cmd):
        self.v5 = cmd["version"] == 5
        ev, res = threading.Event(), {}
        if self.v5:
            c = mqtt.Client(client_id=cmd["id"], protocol=mqtt.MQTTv5)
        else:
            c = mqtt.Client(client_id=cmd["id"], clean_session=cmd["clean"], protocol=mqtt.MQTTv311)
        self.c = c
        c.on_message = self.on_message
        c.on_disconnect = self.on_disconnect

        def on_connect(c, u, flags, rc, props=None):
            res["sp"], res["rc"] = flags.get("session present", 0), code(rc)
            ev.set()
        c.on_connect = on_connect
        w = cmd.get("will")
        if w:
            wp = None
            if self.v5 and w.get("delay"):
                wp = Properties(PacketTypes.WILLMESSAGE)
                wp.WillDelayInterval = w["delay"]
            c.will_set(w["topic"], w["payload"], w["qos"], w["retain"], properties=wp)
        if self.v5:
            props = Properties(PacketTypes.CONNECT)
            if cmd.get("expiry") is not None:
                props.SessionExpiryInterval = cmd["expiry"]
            if cmd.get("receiveMax"):
                props.ReceiveMaximum = cmd["receiveMax"]
            if cmd.get("maxPacket"):
                props.MaximumPacketSize = cmd["maxPacket"]
            if cmd.get("aliasMax"):
                props.TopicAliasMaximum = cmd["aliasMax"]
            c.connect(cmd["host"], cmd["port"], cmd["keepalive"], clean_start=cmd["clean"], properties=props)
        else:
            c.connect(cmd["host"], cmd["port"], cmd["keepalive"])
        c.loop_start()
        ev.wait(10)
        return res

    def subscribe(self, cmd):
        ev, res = threading.Event(), {}

        def on_subscribe(c, u, mid, granted, props=None):
            res["codes"] = [code(g) for g in granted]
            ev.set()
        self.c.on_subscribe = on_subscribe
        if self.v5:
            subs = [(s["filter"], SubscribeOptions(qos=s["qos"], noLocal=s["noLocal"], retainAsPublished=s["rap"],
                                                   retainHandling=s["rh"])) for s in cmd["subs"]]
        else:
            subs = [(s["filter"], s["qos"]) for s in cmd["subs"]]
        self.c.subscribe(subs)
        ev.wait(10)
        return res

    def unsubscribe(self, cmd):
        ev, res = threading.Event(), {}

        def on_unsubscribe(c, u, mid, props=None, codes=None):
            if codes is not None:
                res["codes"] = [code(x) for x in (codes if isinstance(codes, list) else [codes])]
            ev.set()
        self.c.on_unsubscribe = on_unsubscribe
        self.c.unsubscribe(cmd["filters"])
        ev.wait(10)
        return res

    def publish(self, cmd):
        props = None
        if self.v5 and cmd.get("expiry") is not None:
            props = Properties(PacketTypes.PUBLISH)
            props.MessageExpiryInterval = cmd["expiry"]
        info = self.c.publish(cmd["topic"], cmd["payload"], cmd["qos"], cmd["retain"], properties=props)
        if cmd["qos"] > 0:
            info.wait_for_publish(10)
            return {"acked": info.is_published()}
        return {"acked": True}

    def received(self, cmd):
        quiet = cmd["quiet"]
        time.sleep(quiet)
        while True:
            with self.lock:
                idle = time.time() - self.last
                if idle >= quiet:
                    out, self.msgs = self.msgs, []
                    return {"msgs": out}
            time.sleep(quiet - idle)

    def disconnect(self, cmd):
        # The network loop sends the DISCONNECT and ends; joining it
        # (loop_stop) would wait out its one-second select.
        self.c.disconnect()
        return {}

    def drop(self, cmd):
        # A client that dies: no DISCONNECT, and no reconnecting either.
        self.c._thread_terminate = True
        sock = self.c.socket()
        sock.shutdown(socket.SHUT_RDWR)  # at once, whatever the network loop holds
        sock.close()
        time.sleep(0.1)
        return {}

    def wait_end(self, cmd):
        deadline = time.time() + cmd["wait"]
        while time.time() < deadline:
            with self.lock:
                if self.ended is not None:
                    break
            time.sleep(0.02)
        with self.lock:
            return {"end": self.ended or "open"}


conns = {}
for line in sys.stdin:
    cmd = json.loads(line)
    conn = conns.setdefault(cmd["conn"], Conn())
    op = "wait_end" if cmd["op"] == "ended" else cmd["op"]
    answer(getattr(conn, op)(cmd))
