package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/tidegate/tidegate/devices/sensors"
)

// Changes describes, one line each, how after differs from before, split into what the
// gateway can apply while running (streams, deliveries, cameras, log level and format,
// access keys, tokens, metrics.public, the RTSP credentials and publish_new_paths) and
// what needs a restart (data_dir, listeners, the RTSP listener's and WebRTC's addresses, kinesis
// identity, which are baked into open files, bound sockets and issued ARNs; the MQTT
// section, sensors, and the hub's firehose settings). Both nil means nothing changed. A
// delivery, camera or sensor that changed is named with the keys that did; values are not
// shown, since destinations and cameras hold secrets. Secrets are compared but never shown.
func Changes(before, after *Config) (reloadable, restart []string) {
	diff := func(list *[]string, name string, a, b any) {
		if a != b {
			*list = append(*list, fmt.Sprintf("%s: %v → %v", name, a, b))
		}
	}
	diff(&restart, "data_dir", before.DataDir, after.DataDir)
	diff(&restart, "listen.http", before.Listen.HTTP, after.Listen.HTTP)
	diff(&restart, "listen.tls", describeTLS(before.Listen.TLS), describeTLS(after.Listen.TLS))
	diff(&restart, "kinesis.region", before.Kinesis.Region, after.Kinesis.Region)
	diff(&restart, "kinesis.account_id", before.Kinesis.AccountID, after.Kinesis.AccountID)
	if !reflect.DeepEqual(before.MQTT, after.MQTT) {
		restart = append(restart, "mqtt: settings changed")
	}
	restart = append(restart, namedChanges("sensors", before.Sensors, after.Sensors, func(s sensors.Config) string { return s.Name })...)
	if !reflect.DeepEqual(before.Firehose, after.Firehose) {
		restart = append(restart, "firehose: settings changed")
	}

	diff(&reloadable, "storage.reserve", before.Storage.Reserve, after.Storage.Reserve)
	diff(&reloadable, "log.level", before.Log.Level, after.Log.Level)
	diff(&reloadable, "log.format", before.Log.Format, after.Log.Format)
	reloadable = append(reloadable, keyChanges(before.Auth.AccessKeys, after.Auth.AccessKeys)...)
	reloadable = append(reloadable, tokenChanges(before.Auth.Tokens, after.Auth.Tokens)...)
	diff(&reloadable, "metrics.public", before.Metrics.Public, after.Metrics.Public)
	reloadable = append(reloadable, streamChanges(before.Streams, after.Streams)...)
	if !reflect.DeepEqual(before.Queries, after.Queries) {
		reloadable = append(reloadable, "queries: changed")
	}
	reloadable = append(reloadable, namedChanges("deliveries", before.Deliveries, after.Deliveries, func(d DeliverySpec) string { return d.Name })...)
	reloadable = append(reloadable, namedChanges("cameras", before.Cameras, after.Cameras, func(c CameraSpec) string { return c.Name })...)
	rl, rs := rtspChanges(before.RTSP, after.RTSP)
	reloadable, restart = append(reloadable, rl...), append(restart, rs...)
	restart = append(restart, webrtcChanges(before.WebRTC, after.WebRTC)...)
	return reloadable, restart
}

// namedChanges lists the entries of a section that were added, changed (with the keys
// that changed) or removed, by name.
func namedChanges[T any](section string, before, after []T, name func(T) string) []string {
	var out []string
	old := make(map[string]T, len(before))
	for _, e := range before {
		old[name(e)] = e
	}
	seen := make(map[string]bool, len(after))
	for _, e := range after {
		n := name(e)
		seen[n] = true
		prev, ok := old[n]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s added", section, n))
		case !reflect.DeepEqual(prev, e):
			keys := changedKeys(reflect.ValueOf(prev), reflect.ValueOf(e))
			out = append(out, fmt.Sprintf("%s: %s changed: %s", section, n, strings.Join(keys, ", ")))
		}
	}
	for _, e := range before {
		if n := name(e); !seen[n] {
			out = append(out, fmt.Sprintf("%s: %s removed", section, n))
		}
	}
	return out
}

// changedKeys names the keys whose values differ between a and b, structs of one type,
// as the file names them. A setting decoded from the entry's other keys (a sensor's
// driver settings, `yaml:"-"`) is looked into when both sides hold the same type; the
// keys of an inline struct are the struct's own.
func changedKeys(a, b reflect.Value) []string {
	var out []string
	for i := range a.NumField() {
		f := a.Type().Field(i)
		av, bv := a.Field(i), b.Field(i)
		if !f.IsExported() || reflect.DeepEqual(av.Interface(), bv.Interface()) {
			continue
		}
		key, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			out = append(out, changedKeys(av, bv)...)
		case key == "-":
			av, bv = indirect(av), indirect(bv)
			if av.Kind() == reflect.Struct && av.Type() == bv.Type() {
				out = append(out, changedKeys(av, bv)...)
			}
		default:
			out = append(out, key)
		}
	}
	return out
}

// indirect follows interfaces and pointers to the value they hold.
func indirect(v reflect.Value) reflect.Value {
	for (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

func describeTLS(t *TLS) string {
	if t == nil {
		return "off"
	}
	return fmt.Sprintf("cert_file %s, key_file %s", t.CertFile, t.KeyFile)
}

func keyChanges(before, after []AccessKey) []string {
	var out []string
	old := make(map[string]AccessKey, len(before))
	for _, k := range before {
		old[k.ID] = k
	}
	seen := make(map[string]bool, len(after))
	for _, k := range after {
		seen[k.ID] = true
		prev, ok := old[k.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("auth.access_keys: %s added", k.ID))
		case prev.Secret.Value() != k.Secret.Value():
			out = append(out, fmt.Sprintf("auth.access_keys: %s secret changed", k.ID))
		}
	}
	for _, k := range before {
		if !seen[k.ID] {
			out = append(out, fmt.Sprintf("auth.access_keys: %s removed", k.ID))
		}
	}
	return out
}

// tokenChanges names tokens by name, or by place when they have none; the secrets are
// compared, never shown.
func tokenChanges(before, after []Token) []string {
	var out []string
	old := make(map[string]Token, len(before))
	for i, t := range before {
		old[t.label(i)] = t
	}
	seen := make(map[string]bool, len(after))
	for i, t := range after {
		name := t.label(i)
		seen[name] = true
		prev, ok := old[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("auth.tokens: %s added", name))
		case prev.Secret.Value() != t.Secret.Value():
			out = append(out, fmt.Sprintf("auth.tokens: %s secret changed", name))
		}
	}
	for i, t := range before {
		if !seen[t.label(i)] {
			out = append(out, fmt.Sprintf("auth.tokens: %s removed", t.label(i)))
		}
	}
	return out
}

func streamChanges(before, after []StreamSpec) []string {
	var out []string
	old := make(map[string]StreamSpec, len(before))
	for _, s := range before {
		old[s.Name] = s
	}
	seen := make(map[string]bool, len(after))
	for _, s := range after {
		seen[s.Name] = true
		prev, ok := old[s.Name]
		if !ok {
			out = append(out, fmt.Sprintf("streams: %s added", s.Name))
			continue
		}
		var fields []string
		field := func(name string, a, b any) {
			if a != b {
				fields = append(fields, fmt.Sprintf("%s %v → %v", name, a, b))
			}
		}
		field("shards", prev.Shards, s.Shards)
		field("retention", prev.Retention, s.Retention)
		field("max_bytes", prev.MaxBytes, s.MaxBytes)
		field("on_full", prev.OnFull, s.OnFull)
		field("max_record_size", prev.MaxRecordSize, s.MaxRecordSize)
		field("throttle", prev.Throttle, s.Throttle)
		field("keep_until_delivered", strings.Join(prev.KeepUntilDelivered, ","), strings.Join(s.KeepUntilDelivered, ","))
		if len(fields) > 0 {
			out = append(out, fmt.Sprintf("streams: %s changed: %s", s.Name, strings.Join(fields, ", ")))
		}
	}
	for _, s := range before {
		if !seen[s.Name] {
			out = append(out, fmt.Sprintf("streams: %s removed from the file (the stream and its data are kept)", s.Name))
		}
	}
	return out
}
