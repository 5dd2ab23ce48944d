package conformance

// difference is one way the gateway deliberately differs from Mosquitto.
// kind "" covers every kind of client.
type difference struct {
	scenario, kind string
	reason         string
}

// differences is the one table of deliberate differences: a scenario
// whose transcripts differ fails unless it is here, and one that is here
// fails once they no longer differ. docs/devices.md lists the same.
var differences = []difference{
	{scenario: "publish without subscribers", kind: paho5, reason: pubNoSubscribers},
	{scenario: "publish without subscribers", kind: raw5, reason: pubNoSubscribers},
	{scenario: "overlapping subscriptions", reason: "MQTT asks for one copy at the highest QoS of the matching subscriptions " +
		"(3.1.1 MQTT-3.3.5-1, 5 §3.3.4; more copies are allowed): the gateway sends that. Mosquitto 2.0.11 sends an MQTT 3.1.1 " +
		"client one copy at the QoS of the last subscription (QoS 0 where a QoS 1 subscription matches) and an MQTT 5 client " +
		"one copy per subscription"},
	{scenario: "in-flight window", kind: raw5, reason: "the gateway keeps to the client's Receive Maximum (MQTT-3.3.4-9); " +
		"Mosquitto 2.0.11 sends one message more after an acknowledgement (3 unacknowledged with Receive Maximum 2)"},
	{scenario: "takeover", kind: paho5, reason: takeoverDisconnect},
	{scenario: "takeover", kind: py5, reason: takeoverDisconnect},
	{scenario: "takeover", kind: raw5, reason: takeoverDisconnect},
	{scenario: "invalid UTF-8 topic", kind: raw5, reason: "the gateway closes the connection of an MQTT 5 client that sends a " +
		"malformed packet without first sending DISCONNECT 0x81 (mochi's decoder refuses the packet before any hook sees it; " +
		"MQTT 5 §4.13 makes that DISCONNECT optional); Mosquitto sends it. Either way the connection ends and the broker goes on"},
	{scenario: "second CONNECT", reason: "a second CONNECT is a protocol error: the gateway publishes the will, as " +
		"MQTT asks for a connection closed on a protocol error (3.1.1 §3.1.2.5, 5 §3.1.2.5), and tells an MQTT 5 client why " +
		"(DISCONNECT 0x82 Protocol Error); Mosquitto 2.0.11 closes the connection without either (it publishes the will " +
		"on other protocol errors, such as a wildcard in a PUBLISH topic)"},
	{scenario: "unacknowledged across SIGKILL", reason: "after a SIGKILL the gateway resends a message it had sent but not had " +
		"acknowledged with DUP 0: which messages were sent is written at a graceful stop only, since writing it for each message " +
		"would cost a disk write each. The oracle, Mosquitto restarted with SIGTERM, sends DUP 1 (after a SIGKILL Mosquitto " +
		"loses every message since its last autosave, 30 minutes by default)"},
}

const (
	pubNoSubscribers = "the gateway keeps every message it acknowledges (one no client subscribes to goes to the " +
		"dead-letter stream, or to its stream under streams/), so it answers Success (0x00); Mosquitto answers " +
		"0x10 No matching subscribers, which MQTT 5 allows (§3.4.2.1)"
	takeoverDisconnect = "the gateway sends the MQTT 5 connection it takes over DISCONNECT 0x8E (Session taken over), " +
		"as MQTT-3.1.4-3 requires; Mosquitto 2.0.11 closes it without one"
)

func listedDifference(scenario, kind string) (difference, bool) {
	for _, d := range differences {
		if d.scenario == scenario && (d.kind == "" || d.kind == kind) {
			return d, true
		}
	}
	return difference{}, false
}
