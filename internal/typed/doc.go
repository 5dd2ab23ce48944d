// Package typed is what every kind of plug-in shares: a [Registry] of the types
// of one kind (destination types, transform types, payload decoders, sensor
// drivers), and the strict YAML decoding of a configuration section whose
// `type:` key picks one of them ([Section]).
//
// A kind's registry lives in the package that defines the kind's interface
// (uplink for destinations and transforms, devices/decode for decoders,
// devices/sensors for sensor drivers). Each plug-in adds itself to it from an
// init function, as Caddy modules and Telegraf inputs do, so that neither the
// configuration nor the gateway switches over the list of types: the set
// linked into the binary is the list of blank imports in gateway/plugins.
package typed
