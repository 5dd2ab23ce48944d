package gateway

// The plug-ins the gateway runs — destinations, transforms, payload
// decoders — are the blank imports of gateway/plugins, one line each.
import _ "github.com/tidegate/tidegate/gateway/plugins"
